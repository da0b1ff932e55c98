/**
 * The wire contract between the driver and the reference chat service, shared by both sides and by
 * every transport. A turn request names the client's turn id; the reply echoes the context the
 * service actually used, which is what the driver's oracle scores.
 */

/** Body of `POST /chat`. */
export interface TurnRequest {
  /** Unique per turn, at most 128 characters. */
  turnId: string;
  message: string;
  /** Simulated model time for this turn in ms, planned by the driver from the scenario (bounded by the service). */
  modelMs?: number;
}

/** 200 reply of `POST /chat`. */
export interface TurnReply {
  turnId: string;
  /** True when the service found no session and issued a new id for this turn. */
  created: boolean;
  /** Version of the session the turn was based on (0 when created). */
  version: number;
  /** Turn ids found in the session before this turn was appended, oldest first. */
  context: string[];
  /** Index of the instance that served the turn. */
  instance: number;
  reply: string;
}

/** 4xx/5xx reply body. `phase` says whether the store failed before (read) or during (write) the save. */
export interface ErrorReply {
  error: 'bad_request' | 'too_large' | 'not_found' | 'method_not_allowed' | 'store_unavailable' | 'conflict';
  reason: string;
  phase?: 'read' | 'write';
}

/** Longest turn id the service accepts. */
export const MAX_TURN_ID_LENGTH = 128;
/** Longest simulated model time the service honours. */
export const MAX_MODEL_MS = 120_000;
