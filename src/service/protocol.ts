/**
 * The wire contract between the driver and the reference chat service, shared by both sides and by
 * every transport. A turn request names the client's turn id; the reply echoes the context the
 * service actually used, which is what the driver's oracle scores.
 *
 * The same turn travels over several transports: `POST /chat` (one JSON reply), `POST /chat` with
 * `accept: text/event-stream` (one SSE event per token, then the reply), `POST /chat/turns` and
 * `GET /chat/turns/<ticket>` (submit, then poll or long-poll for the reply), and WebSocket messages
 * on `/chat/ws` (see WsClientMessage, WsServerMessage).
 */

/** One earlier exchange a client sends again after its context was lost (stateless-API style). */
export interface HistoryEntry {
  id: string;
  user: string;
}

/** Body of `POST /chat` (and the `turn` of a WebSocket turn message). */
export interface TurnRequest {
  /** Unique per turn, at most 128 characters; a repeated id is answered without appending it twice. */
  turnId: string;
  message: string;
  /** Simulated model time for this turn in ms, planned by the driver from the scenario (bounded by the service). */
  modelMs?: number;
  /** Streaming model: time to the first token (ms), before any prefill time. */
  firstTokenMs?: number;
  /** Streaming model: tokens in the reply (1 when absent: the whole reply at `modelMs`). */
  tokens?: number;
  /** Streaming model: gap between tokens (ms). */
  tokenGapMs?: number;
  /** The whole conversation so far, sent again by a client whose context was lost; replaces the session. */
  history?: HistoryEntry[];
  /**
   * Seed (0..2^32-1) of the reply's text, planned by the driver so the same run seed gives the same
   * replies; without it the service derives one from the turn id.
   */
  replySeed?: number;
}

/** 200 reply of `POST /chat`, and the last event of every streaming transport. */
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
  /** Tokens the reply was streamed in. */
  tokens: number;
  /** The service's own time for the turn, ms: from receiving it to the reply being ready. */
  handledMs: number;
  /** The turn id was already stored (a resend): answered from the session, not appended again. */
  repeat: boolean;
}

/** 4xx/5xx reply body. `phase` says whether the store failed before (read) or during (write) the save. */
export interface ErrorReply {
  error:
    | 'bad_request'
    | 'too_large'
    | 'not_found'
    | 'method_not_allowed'
    | 'store_unavailable'
    | 'conflict'
    | 'overloaded';
  reason: string;
  phase?: 'read' | 'write';
}

/** `202` reply of `POST /chat/turns`: where to ask for the reply. */
export interface TurnTicket {
  /** 128 random bits, base64url: `GET /chat/turns/<ticket>`. */
  ticket: string;
}

/** A client's WebSocket message: one turn, with a correlation id the replies carry. */
export interface WsClientMessage {
  type: 'turn';
  /** Correlation id, chosen by the client. */
  id: number;
  turn: TurnRequest;
}

/** The service's WebSocket messages: tokens of a reply, the reply itself, or an error. */
export type WsServerMessage =
  | { type: 'token'; id: number; i: number; text: string }
  | { type: 'reply'; id: number; reply: TurnReply }
  | { type: 'error'; id: number; status: number; body: ErrorReply };

/** Longest turn id the service accepts. */
export const MAX_TURN_ID_LENGTH = 128;
/** Longest simulated model time the service honours. */
export const MAX_MODEL_MS = 120_000;
/** Most tokens one reply may be streamed in. */
export const MAX_TOKENS = 10_000;
/** Most history entries a resend may carry. */
export const MAX_HISTORY = 10_000;
/** Path of the WebSocket endpoint. */
export const WS_PATH = '/chat/ws';
/** Longest a long-poll may be held by the service. */
export const MAX_HOLD_MS = 120_000;
/** Largest reply seed (seeds are unsigned 32-bit). */
export const MAX_REPLY_SEED = 2 ** 32 - 1;
