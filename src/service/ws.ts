/**
 * The WebSocket binding of the reference chat service (`ws`), on `/chat/ws`: one long-lived
 * connection per conversation. The session is bound at connect time through the cookie sent with
 * the upgrade: a session the store holds is kept; otherwise a new id is issued in the 101's
 * Set-Cookie. Turns are `WsClientMessage`s with correlation ids; each reply streams back as `token`
 * messages, then a `reply` with the context echo. The connection stands in for the cookie jar
 * afterwards: it keeps the session id and the version its last save produced.
 *
 * A malformed message is answered with an `error` message (status 400) and the connection stays.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { messageOf } from '../errors.js';
import { SESSION_COOKIE, VERSION_COOKIE, newSessionId, setCookie, signVersion } from './cookies.js';
import { WS_PATH, type WsServerMessage } from './protocol.js';
import { type ServiceConfig, checkTurnRequest, failureOf, runTurn } from './turn.js';
import { sessionFromCookies } from './session-cookies.js';

/** The session a connection is bound to. */
interface Binding {
  id: string;
  /** The version of the session as this connection last saw it (0: none yet). */
  version: number;
  /** Set-Cookie values for the 101 response. */
  cookies: string[];
}

/** Check the upgrade's cookie against the store; issue a new id when it names no stored session. */
async function bind(cfg: ServiceConfig, req: http.IncomingMessage): Promise<Binding> {
  const from = sessionFromCookies(cfg, req.headers.cookie);
  const session = from.id ? await cfg.store.load(from.id, { forceRemote: true }) : undefined;
  if (from.id && session) return { id: from.id, version: session.version, cookies: [] };
  const id = newSessionId();
  return { id, version: 0, cookies: [setCookie(SESSION_COOKIE, id)] };
}

function reject(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: status === 404 ? 'not_found' : 'store_unavailable', reason });
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\nconnection: close\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function serve(cfg: ServiceConfig, ws: WebSocket, b: Binding): void {
  const out = (m: WsServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const receivedAt = performance.now();
    let id = -1;
    let turn: ReturnType<typeof checkTurnRequest>;
    try {
      if (isBinary) throw new Error('expected a text message');
      const m = JSON.parse(data.toString()) as { type?: unknown; id?: unknown; turn?: unknown };
      if (typeof m?.id === 'number' && Number.isSafeInteger(m.id)) id = m.id;
      if (m?.type !== 'turn' || id < 0) throw new Error('expected { type: "turn", id, turn }');
      turn = checkTurnRequest(m.turn);
    } catch (err) {
      const body = failureOf(err).status === 400 ? failureOf(err).body : undefined;
      out({ type: 'error', id, status: 400, body: body ?? { error: 'bad_request', reason: messageOf(err) } });
      return;
    }
    const hint = cfg.versionCookie && b.version > 0 ? { cookieVersion: b.version } : {};
    runTurn(
      cfg,
      { id: b.id, hint, trusted: true },
      turn,
      { token: (i, text) => out({ type: 'token', id, i, text }) },
      receivedAt,
    )
      .then((r) => {
        b.id = r.sessionId;
        b.version = Math.max(b.version, r.version);
        out({ type: 'reply', id, reply: r.reply });
      })
      .catch((err) => {
        const f = failureOf(err);
        out({ type: 'error', id, status: f.status, body: f.body });
      });
  });
  ws.on('error', () => ws.terminate());
}

/** Serve WebSocket upgrades on `server`; returns a function that closes every connection (1001). */
export function attachWebSocket(server: http.Server, cfg: ServiceConfig): () => void {
  // Per-message deflate is negotiated only when the client offers it (the scenario's choice).
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.maxBodyBytes, perMessageDeflate: true });
  const bindings = new WeakMap<http.IncomingMessage, Binding>();
  wss.on('headers', (headers, req) => {
    const b = bindings.get(req);
    if (!b) return;
    for (const c of b.cookies) headers.push(`Set-Cookie: ${c}`);
    if (cfg.versionCookie && b.version > 0)
      headers.push(`Set-Cookie: ${setCookie(VERSION_COOKIE, signVersion(cfg.secret, b.id, b.version))}`);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (new URL(req.url ?? '/', 'http://instance').pathname !== WS_PATH)
      return reject(socket, 404, `no WebSocket endpoint ${req.url}`);
    bind(cfg, req).then(
      (b) => {
        if (socket.destroyed) return;
        bindings.set(req, b);
        wss.handleUpgrade(req, socket, head, (ws) => serve(cfg, ws, b));
      },
      (err) => reject(socket, 503, messageOf(err)),
    );
  });
  return () => {
    for (const ws of wss.clients) ws.close(1001, 'instance stopping');
  };
}
