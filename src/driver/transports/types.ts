/**
 * Transports carry a conversation's turns to the instances and bring back the replies. The turn loop
 * (driver.ts) knows nothing of the wire: it opens a link per conversation and sends its turns over
 * it. Each transport is one file, registered by name in registry.ts. On the per-turn path a
 * transport allocates little and registers no listener: a cut calls `abort()`.
 */
import type { ReconnectSpec, TransportSpec } from '../../scenario/transport.js';
import type { TurnReply, TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';
import type { ConnectionStats } from './stats.js';

/**
 * Why a turn failed, as seen from the client:
 * - refused: the connection was refused (definite: nothing ran)
 * - unavailable: 503 before the store wrote (definite)
 * - rejected: another 4xx (definite)
 * - unavailable_write: 503 while saving (indeterminate)
 * - reset: the connection broke mid-request (indeterminate)
 * - timeout: no reply within the request timeout (indeterminate)
 * - server_error: another 5xx (indeterminate)
 * - protocol: a malformed reply, frame or event, or a 200 whose body is not a turn reply (indeterminate)
 */
export type ErrorKind =
  | 'refused'
  | 'unavailable'
  | 'rejected'
  | 'unavailable_write'
  | 'reset'
  | 'timeout'
  | 'server_error'
  | 'protocol';

/** Definite errors happened before any write: the turn is certainly not stored. */
export const DEFINITE_ERRORS: ReadonlySet<ErrorKind> = new Set(['refused', 'unavailable', 'rejected']);

export type WireResult =
  | { ok: true; reply: TurnReply }
  | { ok: false; kind: ErrorKind; status?: number; reason?: string }
  /** The run stopped the turn (drain deadline or interrupt): not a result at all. */
  | { ok: false; kind: 'aborted' };

/**
 * How one turn's reply arrived, filled in by the transport. The driver owns one per conversation
 * and resets it before each turn, so recording it allocates nothing.
 */
export interface TurnTiming {
  /** performance.now() when the first token arrived; NaN when none did (a non-streaming reply). */
  firstAt: number;
  /** performance.now() when the last token arrived; NaN when none did. */
  lastAt: number;
  /** Tokens received for this turn. */
  tokens: number;
  /** Gaps between consecutive tokens of this turn, ms. */
  readonly gaps: number[];
  /** HTTP requests (or WebSocket turn messages) sent for this turn. */
  requests: number;
}

/** Reset a timing before a turn. */
export function resetTiming(t: TurnTiming): void {
  t.firstAt = Number.NaN;
  t.lastAt = Number.NaN;
  t.tokens = 0;
  t.gaps.length = 0;
  t.requests = 0;
}

/** A token arrived now. */
export function tokenArrived(t: TurnTiming, now: number): void {
  if (t.tokens === 0) t.firstAt = now;
  else t.gaps.push(now - t.lastAt);
  t.lastAt = now;
  t.tokens++;
}

/** One conversation, as the transport's links see it. */
export interface ConversationRef {
  /** The conversation's index: seeds its reconnect jitter. */
  index: number;
  /** Its cookies (the balancer's origin). */
  jar: CookieJar;
  /** The balancer's affinity key. */
  affinity: string;
}

/** How one conversation's turns travel: a connection of its own, or requests through a pool. */
export interface ConversationLink {
  /**
   * Send one turn and fill `timing`. Never throws for wire or HTTP errors: they come back as a
   * WireResult. A persistent transport reconnects (through the balancer) and resends the turn when
   * its connection breaks, within the scenario's reconnect settings.
   */
  send(req: TurnRequest, timing: TurnTiming): Promise<WireResult>;
  /** The conversation ended: release its connection. */
  close(): void;
}

export interface Transport {
  /** A link for one conversation (no connection is made before its first turn). */
  open(conversation: ConversationRef): ConversationLink;
  /** Cut the run: every turn in flight resolves as `aborted`, and every connection closes. */
  abort(): void;
  /** Close every connection (after the run). */
  close(): Promise<void>;
  /** What the transport's connections did over the run. */
  readonly stats: ConnectionStats;
}

export interface TransportOptions {
  targets: readonly { host: string; port: number }[];
  requestTimeoutMs: number;
  /** The balancer: the instance for a conversation's next request or connection. */
  route(affinity: string): number;
  spec: TransportSpec;
  reconnect: ReconnectSpec;
  seed: number;
}
