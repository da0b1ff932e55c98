/**
 * One turn of the reference chat service, whatever the transport: load the session, simulate the
 * model (time to first token, then tokens at a gap, with prefill time for a longer context),
 * append the turn to the bounded history, save it, and echo the context it used. A turn id the
 * session already holds is answered from it without appending it again (a client's resend after a
 * broken connection), and a resend that arrives while the original is still running on this
 * instance waits for it, so no turn is stored twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { messageOf } from '../errors.js';
import {
  ConflictError,
  type LoadHint,
  type Session,
  type SessionStore,
  StoreError,
  type TurnRecord,
} from '../backends/types.js';
import { type Language, naturalText } from '../text/generate.js';
import { Prng } from '../util/prng.js';
import { newSessionId } from './cookies.js';
import {
  type ErrorReply,
  MAX_HISTORY,
  MAX_MODEL_MS,
  MAX_REPLY_SEED,
  MAX_TOKENS,
  MAX_TURN_ID_LENGTH,
  type TurnReply,
  type TurnRequest,
} from './protocol.js';

export interface ServiceConfig {
  instanceIndex: number;
  store: SessionStore;
  /** Set and honour the signed version cookie (two-tier). */
  versionCookie: boolean;
  secret: string;
  /** Turns kept per session; older ones are dropped. */
  historyTurns: number;
  replyBytes: number;
  /** Language of the replies. */
  language: Language;
  maxBodyBytes: number;
  /** Extra time to the first token per KB of context the model reads (prefill). */
  prefillMsPerKB: number;
  /** Turns running on this instance, by session and turn id: a resend waits for its original. */
  inflight: Map<string, Promise<unknown>>;
}

/** A compare-and-set conflict is retried this many times, re-reading the stored session. */
const CAS_ATTEMPTS = 4;

/** A failure with the HTTP status and body every transport reports it with. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorReply,
  ) {
    super(body.reason);
  }
}

/** A seed for a request that names none: the turn id's FNV-1a hash, so a turn id always gets the same reply. */
function seedOfTurnId(turnId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < turnId.length; i++) h = Math.imul(h ^ turnId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The reply's text: natural text of the configured size, from the request's seed alone. */
export function replyText(cfg: Pick<ServiceConfig, 'language' | 'replyBytes'>, req: TurnRequest): string {
  const seed = req.replySeed ?? seedOfTurnId(req.turnId);
  return naturalText(cfg.language, new Prng(seed, 'reply'), cfg.replyBytes);
}

/** What one turn did: the reply, and the session id and version to put in cookies. */
export interface TurnOutcome {
  reply: TurnReply;
  sessionId: string;
  version: number;
}

/** How a transport follows a turn as it runs; every member optional. */
export interface TurnHooks {
  /** The session is known (before the first token): its id and the version the save will produce. */
  started?(sessionId: string, nextVersion: number): void;
  /** Token `i` of the reply. */
  token?(i: number, text: string): void;
}

/** Where the session to run a turn on comes from. */
export interface TurnSession {
  /** The session id the client presented (cookie, or bound to its WebSocket). */
  id: string | undefined;
  hint: LoadHint;
  /**
   * The id was issued or checked by this service (a WebSocket binds it at connect): a turn that
   * finds no session recreates it under the same id instead of issuing a new one.
   */
  trusted?: boolean;
}

function contextBytes(turns: readonly TurnRecord[]): number {
  let n = 0;
  for (const t of turns) n += t.user.length + t.reply.length;
  return n;
}

/** The simulated model: prefill and first token, then the rest at the gap; no tokens emitted without hooks. */
async function model(cfg: ServiceConfig, req: TurnRequest, context: number, reply: string, hooks: TurnHooks) {
  const n = req.tokens ?? 1;
  const first = n > 1 || req.firstTokenMs !== undefined ? (req.firstTokenMs ?? 0) : (req.modelMs ?? 0);
  const prefill = (cfg.prefillMsPerKB * context) / 1024;
  const start = performance.now();
  let due = start + first + prefill;
  for (let i = 0; i < n; i++) {
    if (i > 0) due += req.tokenGapMs ?? 0;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    hooks.token?.(i, reply.slice(Math.floor((i * reply.length) / n), Math.floor(((i + 1) * reply.length) / n)));
  }
}

/** The reply to a turn id the session already holds: the context before it, every token at once. */
function repeatOf(cfg: ServiceConfig, req: TurnRequest, session: Session, at: number, reply: string, hooks: TurnHooks) {
  const n = req.tokens ?? 1;
  for (let i = 0; i < n; i++)
    hooks.token?.(i, reply.slice(Math.floor((i * reply.length) / n), Math.floor(((i + 1) * reply.length) / n)));
  return {
    turnId: req.turnId,
    created: false,
    version: session.version,
    context: session.turns.slice(0, at).map((t) => t.id),
    instance: cfg.instanceIndex,
    reply,
    tokens: n,
    handledMs: 0,
    repeat: true,
  };
}

/** One turn against the store; throws HttpFailure for store failures and conflicts. */
export async function runTurn(
  cfg: ServiceConfig,
  from: TurnSession,
  req: TurnRequest,
  hooks: TurnHooks = {},
  receivedAt = performance.now(),
): Promise<TurnOutcome> {
  const key = from.id === undefined ? undefined : `${from.id}\u0000${req.turnId}`;
  const earlier = key === undefined ? undefined : cfg.inflight.get(key);
  if (earlier) await earlier.catch(() => undefined);
  const running = attempt(cfg, from, req, hooks, receivedAt);
  if (key === undefined || earlier) return running;
  cfg.inflight.set(key, running);
  try {
    return await running;
  } finally {
    cfg.inflight.delete(key);
  }
}

async function attempt(
  cfg: ServiceConfig,
  from: TurnSession,
  req: TurnRequest,
  hooks: TurnHooks,
  receivedAt: number,
): Promise<TurnOutcome> {
  let sessionId = from.id;
  const reply = replyText(cfg, req);
  const history: TurnRecord[] | undefined = req.history?.map((h) => ({ id: h.id, user: h.user, reply }));
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    let session: Session | undefined;
    try {
      session = sessionId
        ? await cfg.store.load(sessionId, attempt === 0 ? from.hint : { forceRemote: true })
        : undefined;
    } catch (err) {
      throw storeFailure(err, 'read');
    }
    const at = session && !history ? session.turns.findIndex((t) => t.id === req.turnId) : -1;
    if (session && at >= 0) {
      hooks.started?.(sessionId!, session.version);
      return { sessionId: sessionId!, version: session.version, reply: repeatOf(cfg, req, session, at, reply, hooks) };
    }
    // Never adopt an id the store does not know: issue a new one (no session fixation).
    const created = session === undefined;
    if (created && !(from.trusted && sessionId)) sessionId = newSessionId();
    const base = session ?? { version: 0, turns: [] };
    const prior = history ?? base.turns;
    if (attempt === 0) {
      hooks.started?.(sessionId!, base.version + 1);
      await model(cfg, req, contextBytes(prior), reply, hooks);
    }
    const turns: TurnRecord[] = [...prior, { id: req.turnId, user: req.message, reply }];
    if (turns.length > cfg.historyTurns) turns.splice(0, turns.length - cfg.historyTurns);
    let version: number;
    try {
      version = await cfg.store.save(sessionId!, base.version, turns);
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw storeFailure(err, 'write');
    }
    return {
      sessionId: sessionId!,
      version,
      reply: {
        turnId: req.turnId,
        created,
        version: base.version,
        context: prior.map((t) => t.id),
        instance: cfg.instanceIndex,
        reply,
        tokens: req.tokens ?? 1,
        handledMs: Math.round((performance.now() - receivedAt) * 1000) / 1000,
        repeat: false,
      },
    };
  }
  throw new HttpFailure(503, {
    error: 'conflict',
    reason: `session kept changing under ${CAS_ATTEMPTS} attempts to save it`,
    phase: 'write',
  });
}

function storeFailure(err: unknown, phase: 'read' | 'write'): HttpFailure {
  const reason = messageOf(err);
  return new HttpFailure(503, {
    error: 'store_unavailable',
    reason,
    phase: err instanceof StoreError ? err.phase : phase,
  });
}

const bad = (reason: string) => new HttpFailure(400, { error: 'bad_request', reason });

const isMs = (v: unknown) => typeof v === 'number' && v >= 0 && v <= MAX_MODEL_MS;

/** Check a turn request already parsed from JSON; throws HttpFailure(400). */
export function checkTurnRequest(value: unknown): TurnRequest {
  const v = value as Partial<Record<keyof TurnRequest, unknown>> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('body must be a JSON object');
  if (typeof v.turnId !== 'string' || v.turnId.length === 0 || v.turnId.length > MAX_TURN_ID_LENGTH)
    throw bad(`turnId must be a string of 1..${MAX_TURN_ID_LENGTH} characters`);
  if (typeof v.message !== 'string') throw bad('message must be a string');
  for (const k of ['modelMs', 'firstTokenMs', 'tokenGapMs'] as const)
    if (v[k] !== undefined && !isMs(v[k])) throw bad(`${k} must be a number of 0..${MAX_MODEL_MS}`);
  if (
    v.tokens !== undefined &&
    !(Number.isInteger(v.tokens) && (v.tokens as number) >= 1 && (v.tokens as number) <= MAX_TOKENS)
  )
    throw bad(`tokens must be a whole number of 1..${MAX_TOKENS}`);
  const seed = v.replySeed;
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= MAX_REPLY_SEED))
    throw bad(`replySeed must be an integer of 0..${MAX_REPLY_SEED}`);
  const req: TurnRequest = { turnId: v.turnId, message: v.message };
  if (v.modelMs !== undefined) req.modelMs = v.modelMs as number;
  if (v.firstTokenMs !== undefined) req.firstTokenMs = v.firstTokenMs as number;
  if (v.tokens !== undefined) req.tokens = v.tokens as number;
  if (v.tokenGapMs !== undefined) req.tokenGapMs = v.tokenGapMs as number;
  if (seed !== undefined) req.replySeed = seed as number;
  if (v.history !== undefined) req.history = checkHistory(v.history);
  return req;
}

function checkHistory(value: unknown): TurnRequest['history'] {
  if (!Array.isArray(value) || value.length > MAX_HISTORY)
    throw bad(`history must be a list of at most ${MAX_HISTORY}`);
  return value.map((h: { id?: unknown; user?: unknown } | null) => {
    if (
      typeof h?.id !== 'string' ||
      h.id.length === 0 ||
      h.id.length > MAX_TURN_ID_LENGTH ||
      typeof h.user !== 'string'
    )
      throw bad('every history entry must be { id, user } strings');
    return { id: h.id, user: h.user };
  });
}

/** Parse and check a turn request body; throws HttpFailure(400). */
export function parseTurnRequest(text: string): TurnRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('body is not valid JSON');
  }
  return checkTurnRequest(value);
}

/** A store failure or conflict as HttpFailure; anything else as a 500. */
export function failureOf(err: unknown): HttpFailure {
  return err instanceof HttpFailure
    ? err
    : new HttpFailure(500, { error: 'store_unavailable', reason: messageOf(err) });
}
