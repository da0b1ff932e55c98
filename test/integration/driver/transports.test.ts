/**
 * Every transport of the registry end to end against real instance processes (memory backend):
 * the context echo, token order and counts, what each transport adds to a reply, the polling delay,
 * a WebSocket reconnect after a real kill, a reconnect after a reset on a client link, and a turn
 * resent with the same id that the service answers without storing it twice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryBackend } from '../../../src/backends/memory.js';
import { type Instance, startInstances } from '../../../src/cluster/instances.js';
import { CookieJar } from '../../../src/driver/cookie-jar.js';
import { transports } from '../../../src/driver/transports/registry.js';
import { type Transport, type TurnTiming, type WireResult, resetTiming } from '../../../src/driver/transports/types.js';
import { TcpProxy } from '../../../src/faults/proxy.js';
import { initHistograms } from '../../../src/metrics/histogram.js';
import { TRANSPORT_NAMES, type TransportName } from '../../../src/scenario/transport.js';
import type { TurnRequest } from '../../../src/service/protocol.js';
import { SECRET, defaultOptions } from '../../helpers/stores.js';

let instances: Instance[] = [];
const config = (index: number) => ({
  index, count: 2, backend: 'memory', options: defaultOptions(memoryBackend), secret: SECRET,
  historyTurns: 50, replyBytes: 200, language: 'en' as const, maxBodyBytes: 65536, prefillMsPerKB: 20,
});
const open: Transport[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  await initHistograms();
  instances = await startInstances([0, 1].map(config));
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
});

const direct = () => instances.map((i) => ({ host: '127.0.0.1', port: i.port }));

function transport(type: TransportName, route = () => 0, targets = direct()) {
  const t = transports[type]({
    targets, requestTimeoutMs: 5000, route,
    spec: { type, intervalMs: 100, holdMs: 2000, perMessageDeflate: false },
    reconnect: { backoff: 20, maxBackoff: 200, jitter: 0.5, attempts: 8 }, seed: 7,
  });
  open.push(t);
  return t;
}

const timing = (): TurnTiming => ({ firstAt: 0, lastAt: 0, tokens: 0, gaps: [], requests: 0 });
const turn = (turnId: string, extra: Partial<TurnRequest> = {}): TurnRequest =>
  ({ turnId, message: 'hello', firstTokenMs: 30, tokens: 6, tokenGapMs: 10, ...extra });
const ok = (r: WireResult) => {
  if (!r.ok) throw new Error(`turn failed: ${JSON.stringify(r)}`);
  return r.reply;
};
const STREAMING = new Set<TransportName>(['sse', 'websocket']);

describe.each(TRANSPORT_NAMES)('%s transport', (type) => {
  it('carries a conversation: contexts in order, tokens in order and counted, the service time reported', async () => {
    const link = transport(type).open({ index: 1, jar: new CookieJar(), affinity: 'a' });
    const t = timing();
    for (let k = 0; k < 3; k++) {
      resetTiming(t);
      const sent = performance.now();
      const reply = ok(await link.send(turn(`t${k}`), t));
      const done = performance.now();
      expect(reply.context).toEqual(['t0', 't1', 't2'].slice(0, k));
      expect(reply.tokens).toBe(6);
      // 30 ms to the first token, then 5 gaps of 10 ms.
      expect(reply.handledMs).toBeGreaterThanOrEqual(79);
      expect(done - sent).toBeGreaterThanOrEqual(reply.handledMs);
      if (STREAMING.has(type)) {
        expect(t.tokens).toBe(6);
        expect(t.gaps).toHaveLength(5);
        // Streamed over the 50 ms of the reply, not all at once (a loaded machine may bunch a few).
        expect(t.lastAt - t.firstAt).toBeGreaterThanOrEqual(20);
        expect(t.firstAt - sent).toBeGreaterThanOrEqual(29);
      } else expect(t.tokens).toBe(0);
      expect(t.requests).toBeGreaterThanOrEqual(type === 'poll' || type === 'long-poll' ? 2 : 1);
    }
    link.close();
  });

  it('answers a resent turn id from the session without appending it twice', async () => {
    const link = transport(type).open({ index: 2, jar: new CookieJar(), affinity: 'b' });
    ok(await link.send(turn('a'), timing()));
    ok(await link.send(turn('b'), timing()));
    const again = ok(await link.send(turn('b'), timing()));
    expect(again.repeat).toBe(true);
    expect(again.context).toEqual(['a']);
    expect(ok(await link.send(turn('c'), timing())).context).toEqual(['a', 'b']);
    link.close();
  });
});

describe('a lost context', () => {
  it('a resend with the whole history restores the session, and its first token waits the prefill', async () => {
    const t = transport('websocket');
    const link = t.open({ index: 5, jar: new CookieJar(), affinity: 'h' });
    const short = timing();
    const sent = performance.now();
    const first = ok(await link.send(turn('t0'), short));
    expect(first.created).toBe(true);
    // 10 KB of history at 20 ms per KB (with the 200-byte replies the service adds): about 220 ms more.
    const history = Array.from({ length: 5 }, (_, i) => ({ id: `old${i}`, user: 'x'.repeat(2048) }));
    const long = timing();
    const resentAt = performance.now();
    const reply = ok(await link.send(turn('t1', { history }), long));
    expect(reply.context).toEqual(history.map((h) => h.id));
    expect(long.firstAt - resentAt - (short.firstAt - sent)).toBeGreaterThan(180);
    expect(ok(await link.send(turn('t2'), timing())).context).toEqual([...history.map((h) => h.id), 't1']);
    link.close();
  });
});

describe('polling', () => {
  it('adds half an interval on average before the client has the reply (±15 %)', async () => {
    const t = transport('poll');
    const delays: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, c) => {
        const link = t.open({ index: c, jar: new CookieJar(), affinity: `p${c}` });
        for (let k = 0; k < 10; k++) {
          const tm = timing();
          const sent = performance.now();
          const modelMs = 10 + ((c * 7 + k * 13) % 40);
          const reply = ok(await link.send({ turnId: `t${k}`, message: 'm', modelMs }, tm));
          delays.push(performance.now() - sent - reply.handledMs);
        }
        link.close();
      }),
    );
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThanOrEqual(50 * 0.85);
    expect(mean).toBeLessThanOrEqual(50 * 1.15);
  }, 20_000);
});

describe('reconnects', () => {
  it('websocket: a real kill mid-turn reconnects through the balancer and resends the turn', async () => {
    let route = 0;
    const t = transport('websocket', () => route);
    const jar = new CookieJar();
    const link = t.open({ index: 3, jar, affinity: 'k' });
    ok(await link.send(turn('t0'), timing()));
    const pending = link.send(turn('t1', { firstTokenMs: 400 }), timing());
    await new Promise((r) => setTimeout(r, 100));
    route = 1;
    instances[0]!.signal('SIGKILL');
    await instances[0]!.exited();
    const reply = ok(await pending);
    // The session lived in the killed instance's memory: the resent turn finds nothing there.
    expect(reply.instance).toBe(1);
    expect(reply.created).toBe(true);
    const s = t.stats.result();
    expect(s.reconnects).toBe(1);
    expect(s.reconnectsByInstance).toEqual([1, 0]);
    expect(s.resent).toBe(1);
    expect(s.disconnectedSec).toBeGreaterThan(0);
    expect(ok(await link.send(turn('t2'), timing())).context).toEqual(['t1']);
    link.close();
    instances[0] = (await startInstances([config(0)]))[0]!;
  });

  it.each(['websocket', 'sse'] as const)('%s: a client-link reset reconnects; stored once', async (type) => {
    const proxy = new TcpProxy('clients-1', { host: '127.0.0.1', port: instances[1]!.port }, 1);
    proxies.push(proxy);
    const addr = await proxy.listen();
    const t = transport(type, () => 0, [addr]);
    const link = t.open({ index: 4, jar: new CookieJar(), affinity: 'r' });
    ok(await link.send(turn('t0'), timing()));
    // Reset mid-stream: some tokens have arrived, the resend streams the reply again from token 0.
    const streamed = timing();
    const pending = link.send(turn('t1', { firstTokenMs: 20, tokens: 20, tokenGapMs: 15 }), streamed);
    await new Promise((r) => setTimeout(r, 100));
    expect(streamed.tokens).toBeGreaterThan(0);
    const id = proxy.addToxic({ type: 'reset_peer', params: { timeout: 0 }, direction: 'downstream', toxicity: 1 });
    await new Promise((r) => setTimeout(r, 30));
    proxy.removeToxic(id);
    const reply = ok(await pending);
    expect(reply.context).toEqual(['t0']);
    expect(streamed.tokens).toBe(20);
    // A reconnect inside the toxic's window is reset again: one break at least, all on this instance.
    expect(t.stats.result().reconnects).toBeGreaterThanOrEqual(1);
    expect(t.stats.result().reconnectsByInstance).toEqual([t.stats.result().reconnects]);
    expect(t.stats.result().resent).toBeGreaterThanOrEqual(1);
    // The original turn ran on; the resend waited for it or found it stored: t1 is in the session once.
    expect(ok(await link.send(turn('t2'), timing())).context).toEqual(['t0', 't1']);
    link.close();
  });
});
