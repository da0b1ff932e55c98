/**
 * A service that answers nonsense: malformed WebSocket frames and server-sent events are scored as
 * protocol errors of the turn (indeterminate), never a crash, and a WebSocket connection carries on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CookieJar } from '../../../src/driver/cookie-jar.js';
import { transports } from '../../../src/driver/transports/registry.js';
import type { Transport, TurnTiming } from '../../../src/driver/transports/types.js';
import { initHistograms } from '../../../src/metrics/histogram.js';
import type { TransportName } from '../../../src/scenario/transport.js';

let server: http.Server | undefined;
let wss: WebSocketServer | undefined;
let t: Transport | undefined;
beforeAll(() => initHistograms());
afterEach(async () => {
  await t?.close();
  wss?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  wss = undefined;
});

async function listen(handler: http.RequestListener = () => {}): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function client(type: TransportName, port: number) {
  t = transports[type]({
    targets: [{ host: '127.0.0.1', port }], requestTimeoutMs: 2000, route: () => 0,
    spec: { type, intervalMs: 100, holdMs: 1000, perMessageDeflate: false },
    reconnect: { backoff: 10, maxBackoff: 50, jitter: 0, attempts: 2 }, seed: 1,
  });
  return t.open({ index: 0, jar: new CookieJar(), affinity: 'x' });
}
const timing = (): TurnTiming => ({ firstAt: 0, lastAt: 0, tokens: 0, gaps: [], requests: 0 });
const REPLY = {
  turnId: 't', created: true, version: 0, context: [], instance: 0, reply: 'r', tokens: 1, handledMs: 1, repeat: false,
};

describe('websocket', () => {
  it('scores a frame that is not JSON, a token out of order and an unknown message as protocol errors', async () => {
    const port = await listen();
    wss = new WebSocketServer({ server, path: '/chat/ws' });
    const answers = [
      () => ['not json {'],
      (id: number) => [JSON.stringify({ type: 'token', id, i: 3, text: 'x' })],
      (id: number) => [JSON.stringify({ type: 'surprise', id })],
      (id: number) => [JSON.stringify({ type: 'reply', id, reply: { nope: true } })],
      (id: number) => [
        JSON.stringify({ type: 'token', id, i: 0, text: 'x' }),
        JSON.stringify({ type: 'reply', id, reply: REPLY }),
      ],
    ];
    let n = 0;
    wss.on('connection', (ws) =>
      ws.on('message', (d) => {
        const { id } = JSON.parse(d.toString()) as { id: number };
        for (const m of answers[n++]!(id)) ws.send(m);
      }),
    );
    const link = client('websocket', port);
    for (let k = 0; k < 4; k++) {
      const r = await link.send({ turnId: `t${k}`, message: 'm' }, timing());
      expect(r.ok, JSON.stringify(r)).toBe(false);
      expect(!r.ok && r.kind).toBe('protocol');
    }
    // The same connection still carries the next turn.
    const tm = timing();
    const r = await link.send({ turnId: 't4', message: 'm' }, tm);
    expect(r.ok).toBe(true);
    expect(tm.tokens).toBe(1);
    expect(t!.stats.result().connects).toBe(1);
  });
});

describe('sse', () => {
  const stream = (body: string, type = 'text/event-stream'): http.RequestListener => (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': type }).end(body);
  };

  it.each([
    ['a token whose data is not a JSON string', 'id: 0\nevent: token\ndata: nope\n\n'],
    ['a token out of order', 'id: 2\nevent: token\ndata: "x"\n\n'],
    ['an event of unknown type', 'event: surprise\ndata: {}\n\n'],
    ['a reply that is not JSON', 'event: reply\ndata: {bad\n\n'],
    ['a reply that is not a turn reply', 'event: reply\ndata: {"nope":1}\n\n'],
  ])('scores %s as a protocol error', async (_, body) => {
    const link = client('sse', await listen(stream(body)));
    const r = await link.send({ turnId: 't', message: 'm' }, timing());
    expect(r).toMatchObject({ ok: false, kind: 'protocol' });
  });

  it('scores a 200 that is not an event stream as a protocol error, and a good stream as a reply', async () => {
    const bad = client('sse', await listen(stream(JSON.stringify(REPLY), 'application/json')));
    expect(await bad.send({ turnId: 't', message: 'm' }, timing())).toMatchObject({ ok: false, kind: 'protocol' });
    await t!.close();
    server!.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    const events = `id: 0\nevent: token\ndata: "r"\n\nevent: reply\ndata: ${JSON.stringify(REPLY)}\n\n`;
    const good = client('sse', await listen(stream(events)));
    const tm = timing();
    expect(await good.send({ turnId: 't', message: 'm' }, tm)).toMatchObject({ ok: true });
    expect(tm.tokens).toBe(1);
  });
});
