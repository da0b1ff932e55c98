/**
 * Transports carry one turn to one instance and bring back the reply. The turn loop (driver.ts)
 * knows nothing of the wire; each transport is one file, registered by name in registry.ts.
 */
import type { TurnReply, TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';

/**
 * Why a turn failed, as seen from the client:
 * - refused: the connection was refused (definite: nothing ran)
 * - unavailable: 503 before the store wrote (definite)
 * - rejected: another 4xx (definite)
 * - unavailable_write: 503 while saving (indeterminate)
 * - reset: the connection broke mid-request (indeterminate)
 * - timeout: no reply within the request timeout (indeterminate)
 * - server_error: another 5xx (indeterminate)
 * - protocol: a malformed reply, or a 200 whose body is not a turn reply (indeterminate)
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

export interface Transport {
  /**
   * Send one turn to instance `instance`, with and into this conversation's cookie jar.
   * Never throws for wire or HTTP errors: they come back as a WireResult.
   */
  send(instance: number, jar: CookieJar, req: TurnRequest): Promise<WireResult>;
  /** Cut the run: every turn in flight resolves as `aborted`, and every connection closes. */
  abort(): void;
  /** Close every connection (after the run). */
  close(): Promise<void>;
}

export interface TransportOptions {
  targets: readonly { host: string; port: number }[];
  requestTimeoutMs: number;
}
