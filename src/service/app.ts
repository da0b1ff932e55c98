/**
 * The HTTP binding of the reference chat service (the turn itself is turn.ts):
 *
 * - `POST /chat`: one turn, one JSON reply; with `accept: text/event-stream`, the reply streams as
 *   server-sent events, one `token` event per token, then a `reply` event with the context echo;
 * - `POST /chat/turns`: start a turn, answer `202 { ticket }`; `GET /chat/turns/<ticket>` answers
 *   the reply when it is ready and 204 until then; `?wait=<ms>` holds the request until the reply is
 *   ready or that long has passed (long polling);
 * - `GET /chat/ws`: the WebSocket binding (ws.ts).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { type ErrorReply, MAX_HOLD_MS, type TurnTicket } from './protocol.js';
import { type Answer, Tickets } from './tickets.js';
import { HttpFailure, type ServiceConfig, type TurnOutcome, failureOf, parseTurnRequest, runTurn } from './turn.js';
import { attachWebSocket } from './ws.js';
import { cookiesFor, sessionFromCookies } from './session-cookies.js';

export type { ServiceConfig } from './turn.js';

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
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
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

function sendFailure(res: http.ServerResponse, err: unknown): void {
  const f = failureOf(err);
  send(res, f.status, f.body, [], f.status === 413);
}

async function handleChat(cfg: ServiceConfig, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const receivedAt = performance.now();
  const body = parseTurnRequest(await readBody(req, cfg.maxBodyBytes));
  const from = sessionFromCookies(cfg, req.headers.cookie);
  const out = await runTurn(cfg, from, body, {}, receivedAt);
  send(res, 200, out.reply, cookiesFor(cfg, from.id, out.sessionId, out.version));
}

/** The turn as server-sent events: headers (and cookies) once the session is known, a token per event. */
async function handleSse(cfg: ServiceConfig, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const receivedAt = performance.now();
  const body = parseTurnRequest(await readBody(req, cfg.maxBodyBytes));
  const from = sessionFromCookies(cfg, req.headers.cookie);
  const write = (text: string) => {
    if (!res.destroyed && !res.writableEnded) res.write(text);
  };
  let out: TurnOutcome;
  try {
    out = await runTurn(
      cfg,
      from,
      body,
      {
        // The version cookie must go with the headers: it names the version the save will produce.
        started: (id, next) => {
          if (res.headersSent || res.destroyed) return;
          const cookies = cookiesFor(cfg, from.id, id, next);
          res.writeHead(200, {
            'content-type': 'text/event-stream',
            'cache-control': 'no-store',
            ...(cookies.length ? { 'set-cookie': cookies } : {}),
          });
        },
        token: (i, text) => write(`id: ${i}\nevent: token\ndata: ${JSON.stringify(text)}\n\n`),
      },
      receivedAt,
    );
  } catch (err) {
    if (!res.headersSent) throw err;
    const f = failureOf(err);
    write(`event: error\ndata: ${JSON.stringify({ status: f.status, body: f.body })}\n\n`);
    res.end();
    return;
  }
  write(`event: reply\ndata: ${JSON.stringify(out.reply)}\n\n`);
  res.end();
}

/** Start a turn whose reply is fetched later; answers its ticket at once. */
async function handleSubmit(
  cfg: ServiceConfig,
  tickets: Tickets,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const receivedAt = performance.now();
  const body = parseTurnRequest(await readBody(req, cfg.maxBodyBytes));
  const from = sessionFromCookies(cfg, req.headers.cookie);
  const ticket = tickets.open();
  if (!ticket) throw new HttpFailure(503, { error: 'overloaded', reason: 'too many replies waiting to be fetched' });
  send(res, 202, { ticket } satisfies TurnTicket);
  const answer = await runTurn(cfg, from, body, {}, receivedAt).then(
    (out): Answer => ({
      status: 200,
      body: out.reply,
      cookies: cookiesFor(cfg, from.id, out.sessionId, out.version),
    }),
    (err): Answer => {
      const f = failureOf(err);
      return { status: f.status, body: f.body, cookies: [] };
    },
  );
  tickets.finish(ticket, answer);
}

async function handleFetch(tickets: Tickets, url: URL, res: http.ServerResponse): Promise<void> {
  const id = url.pathname.slice('/chat/turns/'.length);
  const wait = Number(url.searchParams.get('wait') ?? 0);
  if (!Number.isFinite(wait) || wait < 0 || wait > MAX_HOLD_MS)
    throw new HttpFailure(400, { error: 'bad_request', reason: `wait must be 0..${MAX_HOLD_MS} ms` });
  const pending = tickets.fetch(id, wait, () => res.destroyed);
  if (!pending) throw new HttpFailure(404, { error: 'not_found', reason: 'no such ticket' });
  const answer = await pending;
  if (!answer) return send(res, 204, undefined);
  send(res, answer.status, answer.body, answer.cookies);
}

function route(cfg: ServiceConfig, tickets: Tickets, req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://instance');
  const path = url.pathname;
  const method = (allowed: string) => {
    if (req.method === allowed) return true;
    send(res, 405, { error: 'method_not_allowed', reason: `use ${allowed}` } satisfies ErrorReply);
    return false;
  };
  if (path === '/health') return send(res, 200, { ok: true, instance: cfg.instanceIndex });
  if (path === '/chat') {
    if (!method('POST')) return;
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    return (sse ? handleSse(cfg, req, res) : handleChat(cfg, req, res)).catch((err) => sendFailure(res, err));
  }
  if (path === '/chat/turns') {
    if (!method('POST')) return;
    return handleSubmit(cfg, tickets, req, res).catch((err) => sendFailure(res, err));
  }
  if (path.startsWith('/chat/turns/')) {
    if (!method('GET')) return;
    return handleFetch(tickets, url, res).catch((err) => sendFailure(res, err));
  }
  send(res, 404, { error: 'not_found', reason: `no route ${path}` } satisfies ErrorReply);
}

/** The HTTP server of one instance (not yet listening), with its WebSocket endpoint. */
export function createChatServer(cfg: ServiceConfig): { server: http.Server; closeWebSockets: () => void } {
  const tickets = new Tickets();
  const server = http.createServer((req, res) => route(cfg, tickets, req, res));
  const closeWebSockets = attachWebSocket(server, cfg);
  server.on('close', () => tickets.close());
  // Longer than the driver's idle keep-alive, so the client always closes first (no reset races).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return { server, closeWebSockets };
}
