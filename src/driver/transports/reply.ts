/**
 * Reading the service's answers, the same for every transport: a turn reply checked for the fields
 * the oracle reads, and an error status mapped to the turn's error kind.
 */
import type { TurnReply } from '../../service/protocol.js';
import type { ErrorKind, WireResult } from './types.js';

export function statusKind(status: number, phase: unknown): ErrorKind {
  if (status === 503) return phase === 'read' ? 'unavailable' : 'unavailable_write';
  if (status >= 400 && status < 500) return 'rejected';
  return 'server_error';
}

/** The reply of a 200, checked for the fields the oracle reads; undefined when it is not one. */
export function turnReply(body: unknown): TurnReply | undefined {
  const b = body as Partial<TurnReply> | null;
  return typeof b === 'object' && b !== null && Array.isArray(b.context) && typeof b.created === 'boolean'
    ? (b as TurnReply)
    : undefined;
}

/** A JSON answer with its status as a WireResult. */
export function answerOf(status: number, text: string): WireResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, kind: status === 200 ? 'protocol' : statusKind(status, undefined), status };
  }
  if (status === 200) {
    const reply = turnReply(parsed);
    return reply ? { ok: true, reply } : { ok: false, kind: 'protocol', status, reason: 'not a turn reply' };
  }
  const e = (parsed ?? {}) as { reason?: unknown; phase?: unknown };
  const reason = typeof e.reason === 'string' ? e.reason : undefined;
  return { ok: false, kind: statusKind(status, e.phase), status, ...(reason ? { reason } : {}) };
}
