/**
 * The reference chat service one instance runs: `POST /chat` loads the session, waits the simulated
 * model time, appends the turn to the bounded history and saves it, and echoes the context it used.
 * Transport-neutral core (`runTurn`) plus the HTTP binding.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import {
  ConflictError,
  type LoadHint,
  type Session,
  type SessionStore,
  StoreError,
  type TurnRecord,
} from '../backends/types.js';
import {
  SESSION_COOKIE,
  VERSION_COOKIE,
  isSessionIdShape,
  newSessionId,
  parseCookieHeader,
  setCookie,
  signVersion,
  verifyVersion,
} from './cookies.js';
import { type ErrorReply, MAX_MODEL_MS, MAX_TURN_ID_LENGTH, type TurnReply, type TurnRequest } from './protocol.js';

export interface ServiceConfig {
  instanceIndex: number;
  store: SessionStore;
  /** Set and honour the signed version cookie (two-tier). */
  versionCookie: boolean;
  secret: string;
  /** Turns kept per session; older ones are dropped. */
  historyTurns: number;
  replyBytes: number;
  maxBodyBytes: number;
}

/** A compare-and-set conflict is retried this many times, re-reading the stored session. */
const CAS_ATTEMPTS = 4;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorReply,
  ) {
    super(body.reason);
  }
}

const REPLY_SOURCE = 'The assistant considers the conversation so far and answers at some length. '.repeat(2000);

/** What one turn did: the reply, and the session id and version to put in cookies. */
interface TurnOutcome {
  reply: TurnReply;
  sessionId: string;
  version: number;
}

/** One turn against the store; throws HttpFailure for store failures and conflicts. */
export async function runTurn(
  cfg: ServiceConfig,
  cookieSessionId: string | undefined,
  hint: LoadHint,
  req: TurnRequest,
): Promise<TurnOutcome> {
  let sessionId = cookieSessionId;
  const reply = REPLY_SOURCE.slice(0, cfg.replyBytes);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    let session: Session | undefined;
    try {
      session = sessionId ? await cfg.store.load(sessionId, attempt === 0 ? hint : { forceRemote: true }) : undefined;
    } catch (err) {
      throw storeFailure(err, 'read');
    }
    // Never adopt an id the store does not know: issue a new one (no session fixation).
    const created = session === undefined;
    if (created) sessionId = newSessionId();
    const base = session ?? { version: 0, turns: [] };
    if (attempt === 0 && req.modelMs) await sleep(req.modelMs);
    const turns: TurnRecord[] = [...base.turns, { id: req.turnId, user: req.message, reply }];
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
        context: base.turns.map((t) => t.id),
        instance: cfg.instanceIndex,
        reply,
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

/** Parse and check a turn request body; throws HttpFailure(400). */
export function parseTurnRequest(text: string): TurnRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpFailure(400, { error: 'bad_request', reason: 'body is not valid JSON' });
  }
  const v = value as Partial<Record<keyof TurnRequest, unknown>> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new HttpFailure(400, { error: 'bad_request', reason: 'body must be a JSON object' });
  }
  if (typeof v.turnId !== 'string' || v.turnId.length === 0 || v.turnId.length > MAX_TURN_ID_LENGTH) {
    throw new HttpFailure(400, {
      error: 'bad_request',
      reason: `turnId must be a string of 1..${MAX_TURN_ID_LENGTH} characters`,
    });
  }
  if (typeof v.message !== 'string')
    throw new HttpFailure(400, { error: 'bad_request', reason: 'message must be a string' });
  if (v.modelMs !== undefined && (typeof v.modelMs !== 'number' || !(v.modelMs >= 0 && v.modelMs <= MAX_MODEL_MS))) {
    throw new HttpFailure(400, { error: 'bad_request', reason: `modelMs must be a number of 0..${MAX_MODEL_MS}` });
  }
  return { turnId: v.turnId, message: v.message, ...(v.modelMs === undefined ? {} : { modelMs: v.modelMs }) };
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > max) {
      reject(new HttpFailure(413, { error: 'too_large', reason: `body exceeds ${max} bytes` }));
      return;
    }
    // Most bodies arrive in one chunk: no array or concatenation for them.
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeListener('data', onData);
        reject(new HttpFailure(413, { error: 'too_large', reason: `body exceeds ${max} bytes` }));
        return;
      }
      if (first === undefined) first = c;
      else if (more === undefined) more = [first, c];
      else more.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? '')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, cookies: string[] = [], close = false): void {
  const text = JSON.stringify(body);
  // Headers as one flat list: Node writes them as they are, with no object to walk.
  const headers: string[] = [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(text)),
    'cache-control',
    'no-store',
  ];
  for (const c of cookies) headers.push('set-cookie', c);
  if (close) headers.push('connection', 'close');
  res.writeHead(status, headers).end(text);
}

async function handleChat(cfg: ServiceConfig, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = parseTurnRequest(await readBody(req, cfg.maxBodyBytes));
  const jar = parseCookieHeader(req.headers.cookie);
  const sid = jar.get(SESSION_COOKIE);
  const cookieSessionId = sid && isSessionIdShape(sid) ? sid : undefined;
  const hint: LoadHint = {};
  if (cookieSessionId && cfg.versionCookie) {
    const v = verifyVersion(cfg.secret, cookieSessionId, jar.get(VERSION_COOKIE));
    if (v !== undefined) hint.cookieVersion = v;
  }
  const out = await runTurn(cfg, cookieSessionId, hint, body);
  const cookies: string[] = [];
  if (out.sessionId !== cookieSessionId) cookies.push(setCookie(SESSION_COOKIE, out.sessionId));
  if (cfg.versionCookie) cookies.push(setCookie(VERSION_COOKIE, signVersion(cfg.secret, out.sessionId, out.version)));
  send(res, 200, out.reply, cookies);
}

/** The HTTP server of one instance (not yet listening). */
export function createChatServer(cfg: ServiceConfig): http.Server {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/health') return send(res, 200, { ok: true, instance: cfg.instanceIndex });
    if (url !== '/chat') return send(res, 404, { error: 'not_found', reason: `no route ${url}` } satisfies ErrorReply);
    if (req.method !== 'POST')
      return send(res, 405, { error: 'method_not_allowed', reason: 'use POST' } satisfies ErrorReply);
    handleChat(cfg, req, res).catch((err: unknown) => {
      if (err instanceof HttpFailure) return send(res, err.status, err.body, [], err.status === 413);
      send(res, 500, { error: 'store_unavailable', reason: messageOf(err) });
    });
  });
  // Longer than the driver's idle keep-alive, so the client always closes first (no reset races).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
