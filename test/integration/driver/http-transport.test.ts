/**
 * The HTTP transport against a real HTTP server on loopback: every way a turn can fail maps to its
 * error kind (definite or indeterminate), cookies travel both ways, and a cut turn is "aborted".
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../../../src/driver/cookie-jar.js';
import { HttpTransport } from '../../../src/driver/transports/http.js';
import { DEFINITE_ERRORS, type ErrorKind } from '../../../src/driver/transports/types.js';

let server: http.Server;
let port: number;
/** The last Cookie header the server saw. */
let lastCookie: string | undefined;

const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    lastCookie = req.headers.cookie;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { turnId } = JSON.parse(body) as { turnId: string };
      switch (turnId) {
        case 'ok':
          return json(res, 200, { turnId, created: true, version: 0, context: ['a'], instance: 0, reply: 'r' }, { 'set-cookie': ['sb_sid=abc; Path=/; HttpOnly', 'sb_ver=1.x; Path=/'] });
        case 'read-503':
          return json(res, 503, { error: 'store_unavailable', reason: 'redis read failed', phase: 'read' });
        case 'write-503':
          return json(res, 503, { error: 'store_unavailable', reason: 'redis write failed', phase: 'write' });
        case '503-no-body':
          return res.writeHead(503).end('Service Unavailable');
        case '400':
          return json(res, 400, { error: 'bad_request', reason: 'nope' });
        case '413':
          return json(res, 413, { error: 'too_large', reason: 'big' });
        case '500':
          return json(res, 500, { error: 'store_unavailable', reason: 'boom' });
        case 'not-json':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
        case 'wrong-shape':
          return json(res, 200, { turnId, context: 'a' });
        case 'reset':
          return req.socket.resetAndDestroy();
        case 'hang':
          return; // never answers
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

async function send(turnId: string, opts: { port?: number; timeoutMs?: number; abortAfterMs?: number; jar?: CookieJar } = {}) {
  const t = new HttpTransport({
    targets: [{ host: '127.0.0.1', port: opts.port ?? port }],
    requestTimeoutMs: opts.timeoutMs ?? 5000,
    route: () => 0,
    spec: { type: 'http', intervalMs: 1000, holdMs: 30_000, perMessageDeflate: false },
    reconnect: { backoff: 100, maxBackoff: 2000, jitter: 0.5, attempts: 10 },
    seed: 1,
  });
  const cut = opts.abortAfterMs === undefined ? undefined : setTimeout(() => t.abort(), opts.abortAfterMs);
  try {
    return await t.send(0, opts.jar ?? new CookieJar(), { turnId, message: 'm' });
  } finally {
    clearTimeout(cut);
    await t.close();
  }
}

describe('HttpTransport', () => {
  it('returns the reply and keeps the cookies the service set, sending them with the next turn', async () => {
    const jar = new CookieJar();
    const r = await send('ok', { jar });
    expect(r).toEqual({ ok: true, reply: { turnId: 'ok', created: true, version: 0, context: ['a'], instance: 0, reply: 'r' } });
    expect(jar.header()).toBe('sb_sid=abc; sb_ver=1.x');
    await send('ok', { jar });
    expect(lastCookie).toBe('sb_sid=abc; sb_ver=1.x');
  });

  const cases: [turnId: string, kind: ErrorKind, status?: number][] = [
    ['read-503', 'unavailable', 503],
    ['write-503', 'unavailable_write', 503],
    ['503-no-body', 'unavailable_write', 503],
    ['400', 'rejected', 400],
    ['413', 'rejected', 413],
    ['500', 'server_error', 500],
    ['not-json', 'protocol', 200],
    ['wrong-shape', 'protocol', 200],
  ];

  it.each(cases)('%s → %s', async (turnId, kind, status) => {
    expect(await send(turnId)).toMatchObject({ ok: false, kind, status });
  });

  it('a 503 says why', async () => {
    expect(await send('read-503')).toMatchObject({ reason: 'redis read failed' });
  });

  it('a refused connection is "refused", a definite error', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await send('ok', { port: free })).toMatchObject({ ok: false, kind: 'refused' });
  });

  it('a connection reset mid-request is "reset", an indeterminate error', async () => {
    expect(await send('reset')).toMatchObject({ ok: false, kind: 'reset' });
  });

  it('no reply within the request timeout is "timeout"', async () => {
    expect(await send('hang', { timeoutMs: 200 })).toMatchObject({ ok: false, kind: 'timeout' });
  });

  it('a turn the run cuts is "aborted", not an error of the service', async () => {
    expect(await send('hang', { abortAfterMs: 50 })).toEqual({ ok: false, kind: 'aborted' });
  });

  it('only refused, read-503 and other 4xx are definite (nothing was written)', () => {
    expect([...DEFINITE_ERRORS].sort()).toEqual(['refused', 'rejected', 'unavailable']);
  });
});
