/**
 * Every toxic through the real proxy against a real echo server on loopback: a shared contract
 * (Toxiproxy's parameter names; no byte dropped, reordered or invented while the toxic works on the
 * data and after it is removed), then each toxic's own behaviour. Exact timing is tested on a fake
 * clock in test/unit/faults/toxics.test.ts; here, only lower bounds that a toxic doing nothing
 * could not meet.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TcpProxy } from '../../../src/faults/proxy.js';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { type ToxicName, toxics } from '../../../src/faults/toxics/registry.js';
import type { Direction, Toxic, ToxicSpec } from '../../../src/faults/toxics/types.js';
import { type Echo, type EchoClient, connect, startEcho } from '../../helpers/echo.js';

let echo: Echo;
let proxy: TcpProxy;
let port: number;

beforeEach(async () => {
  echo = await startEcho();
  proxy = new TcpProxy('echo', { host: '127.0.0.1', port: echo.port }, 1);
  port = (await proxy.listen()).port;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await proxy.close();
  await echo.close();
});

const spec = (type: ToxicName, params: Record<string, unknown>, more: Partial<ToxicSpec> = {}): ToxicSpec => ({
  type,
  params: paramsSchema(toxics[type].params).parse(params) as Record<string, unknown>,
  direction: 'downstream',
  toxicity: 1,
  ...more,
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * Watch the toxics of one type that the proxy creates: bytes each direction handed to `pipe` while
 * the toxic was active, and a hook called after each such call (the toxic then holds the chunk).
 */
function watch(type: ToxicName) {
  const seen: Record<Direction, number> = { upstream: 0, downstream: 0 };
  const watcher = { seen, afterPipe: (_dir: Direction, _data: Buffer) => {} };
  const create = toxics[type].create.bind(toxics[type]) as (p: never) => Toxic;
  vi.spyOn(toxics[type], 'create').mockImplementation(((params: never) => {
    const toxic = create(params);
    return {
      ...toxic,
      pipe(chunk, stub) {
        const active = !stub.isRemoved();
        if (active) seen[stub.direction] += chunk.data.length;
        const out = toxic.pipe(chunk, stub);
        if (active) watcher.afterPipe(stub.direction, chunk.data);
        return out;
      },
    } satisfies Toxic;
  }) as never);
  return watcher;
}

/** Toxiproxy's attribute names for each toxic (redis_command and down are sessbench's own). */
const TOXIPROXY_PARAMS: Record<ToxicName, string[]> = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
  down: [],
  redis_command: ['fraction', 'latency', 'error', 'commands'],
};

describe.each(Object.keys(toxics) as ToxicName[])('%s toxic contract', (name) => {
  it('has a description and exactly Toxiproxy\'s parameter names', () => {
    expect(toxics[name].description.length).toBeGreaterThan(10);
    expect(Object.keys(toxics[name].params)).toEqual(TOXIPROXY_PARAMS[name]);
  });
});

/** Parameters that let bytes through (possibly late) for the contract test. */
const PASSING: Record<ToxicName, Record<string, unknown> | undefined> = {
  latency: { latency: 20, jitter: 5 },
  bandwidth: { rate: 500 },
  timeout: { timeout: 0 },
  reset_peer: undefined, // ends the connection: its own tests below
  slicer: { average_size: 7, size_variation: 3, delay: 50 },
  limit_data: { bytes: 1_000_000 },
  down: undefined, // ends the connection: its own tests below
  redis_command: undefined, // speaks RESP: tested against redis-server
};

const passing = (Object.keys(PASSING) as ToxicName[]).filter((n) => PASSING[n] !== undefined);

describe.each(passing)('%s toxic while it works on the data', (name) => {
  it('keeps every byte, in order, in both directions, and lets go of what it holds when removed', async () => {
    const c = await connect(port);
    const w = watch(name);
    const payload = randomBytes(20_000);
    let id = 0;
    let receivedAtRemoval = -1;
    // Remove the toxic while it holds data: right after it took a chunk on the way back; a stall,
    // which lets nothing back, a moment after it took the first chunk on the way out (the rest of
    // the payload queues behind it).
    const holdsAll = name === 'timeout';
    const remove = () => {
      receivedAtRemoval = c.received().length;
      proxy.removeToxic(id);
    };
    let scheduled = false;
    w.afterPipe = (dir) => {
      if (scheduled) return;
      if (holdsAll && dir === 'upstream') setTimeout(remove, 50);
      else if (!holdsAll && dir === 'downstream') remove();
      else return;
      scheduled = true;
    };
    id = proxy.addToxic(spec(name, PASSING[name]!, { direction: 'both' }));
    for (let i = 0; i < payload.length; i += 1000) c.socket.write(payload.subarray(i, i + 1000));
    const back = await c.waitFor(payload.length, 10_000);
    expect(back.length).toBe(payload.length);
    expect(back.equals(payload)).toBe(true);
    // The toxic really had the data: on the way out, and (unless it holds everything) on the way back.
    expect(w.seen.upstream).toBeGreaterThan(0);
    if (holdsAll) {
      expect(receivedAtRemoval).toBe(0);
    } else {
      expect(w.seen.downstream).toBeGreaterThan(0);
      expect(receivedAtRemoval).toBeLessThan(payload.length);
    }
    // After removal, data flows untouched.
    const more = randomBytes(5000);
    c.socket.write(more);
    expect((await c.waitFor(payload.length + more.length)).subarray(payload.length).equals(more)).toBe(true);
    c.socket.destroy();
  });
});

/** When each of the first `n` bytes arrived, from the client's arrival log. */
function byteArrivals(c: EchoClient, n: number): number[] {
  const out: number[] = [];
  for (const a of c.arrivals) for (let i = 0; i < a.bytes && out.length < n; i++) out.push(a.at);
  return out;
}

describe('toxics', () => {
  it('latency delays data on a connection that was open before the toxic started', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('latency', { latency: 100 }));
    const t0 = performance.now();
    c.socket.write('ping');
    await c.waitFor(4);
    expect(c.arrivals[0]!.at - t0).toBeGreaterThanOrEqual(95);
    c.socket.destroy();
  });

  it('latency delays each chunk from its own arrival, not after the previous one', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('latency', { latency: 100 }, { direction: 'upstream' }));
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) {
      sent.push(performance.now());
      c.socket.write(`m${i};`);
      await sleep(5);
    }
    await c.waitFor(30);
    const arrived = byteArrivals(c, 30);
    const delays = sent.map((s, i) => arrived[i * 3 + 2]! - s);
    // Each at least the latency; added up, the tenth would be ~955 ms late.
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(95);
    expect(Math.max(...delays)).toBeLessThan(800);
    c.socket.destroy();
  });

  it('timeout holds data while active and closes the connection (FIN, not RST) after its timeout', async () => {
    const c = await connect(port);
    const t0 = performance.now();
    proxy.addToxic(spec('timeout', { timeout: 150 }));
    c.socket.write('held');
    const closed = await c.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(closed.code).toBeUndefined();
    expect(c.received().length).toBe(0);
  });

  it('reset_peer resets the connection (ECONNRESET) after its timeout', async () => {
    const c = await connect(port);
    const t0 = performance.now();
    proxy.addToxic(spec('reset_peer', { timeout: 100 }));
    const closed = await c.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(closed.code).toBe('ECONNRESET');
  });

  it('down closes open connections and refuses new ones until removed', async () => {
    const c = await connect(port);
    const id = proxy.addToxic(spec('down', {}));
    await c.closed;
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    proxy.removeToxic(id);
    // The proxy listens again on the same port (asynchronously).
    let again: EchoClient | undefined;
    for (let i = 0; i < 200 && !again; i++) again = await connect(port).catch(() => sleep(10).then(() => undefined));
    again!.socket.write('back');
    expect((await again!.waitFor(4)).toString()).toBe('back');
    again!.socket.destroy();
  });

  it('limit_data lets exactly `bytes` through, then closes', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('limit_data', { bytes: 10 }));
    c.socket.write('0123456789abcdef');
    await c.closed;
    expect(c.received().toString()).toBe('0123456789');
  });

  it('slicer cuts data into pieces with its delay between them, keeping every byte', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('slicer', { average_size: 10, size_variation: 0, delay: 20_000 }));
    const data = randomBytes(100);
    const t0 = performance.now();
    c.socket.write(data);
    expect((await c.waitFor(100)).equals(data)).toBe(true);
    // Ten pieces, 20 ms apart.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(9 * 20 - 5);
    expect(c.arrivals.length).toBeGreaterThan(1);
    c.socket.destroy();
  });

  it('bandwidth holds data for at least its size / rate', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('bandwidth', { rate: 100 }));
    const t0 = performance.now();
    c.socket.write(randomBytes(20_000));
    await c.waitFor(20_000);
    // 20 KB at 100 KB/s: 200 ms at least.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    c.socket.destroy();
  });

  it('stacked toxics both apply, and removing one leaves the other', async () => {
    const c = await connect(port);
    const latency = proxy.addToxic(spec('latency', { latency: 150 }));
    proxy.addToxic(spec('slicer', { average_size: 10, size_variation: 0, delay: 20_000 }));
    const data = randomBytes(100);
    let t0 = performance.now();
    c.socket.write(data);
    expect((await c.waitFor(100)).equals(data)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150 + 9 * 20 - 5);
    proxy.removeToxic(latency);
    const pieces = c.arrivals.length;
    t0 = performance.now();
    c.socket.write(data);
    expect((await c.waitFor(200)).subarray(100).equals(data)).toBe(true);
    // Still sliced: ten pieces 20 ms apart.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(9 * 20 - 5);
    expect(c.arrivals.length - pieces).toBeGreaterThan(1);
    c.socket.destroy();
  });

  it('toxicity is drawn once per connection: a connection gets the toxic for all its data or for none', async () => {
    // Each connection writes its own letter, one byte at a time: whose bytes the stall holds.
    const w = watch('timeout');
    const held = new Set<string>();
    w.afterPipe = (_dir, data) => held.add(data.toString()[0]!);
    const id = proxy.addToxic(spec('timeout', { timeout: 0 }, { toxicity: 0.5 }));
    const letters = Array.from({ length: 40 }, (_, i) => String.fromCharCode(65 + i));
    const clients = await Promise.all(letters.map(() => connect(port)));
    for (let k = 0; k < 5; k++) {
      clients.forEach((c, i) => c.socket.write(letters[i]!));
      await sleep(3);
    }
    // Settled: every connection has either all five bytes back, or the stall holds its bytes.
    await until(() => clients.every((c, i) => c.received().length === 5 || held.has(letters[i]!)), 'every connection to settle');
    await sleep(20);
    const through = clients.filter((c) => c.received().length === 5).length;
    for (const [i, c] of clients.entries()) {
      const n = c.received().length;
      expect(n === 5 || n === 0, `connection ${letters[i]} got ${n} of 5 bytes through`).toBe(true);
      expect(n === 0).toBe(held.has(letters[i]!));
    }
    expect(through).toBeGreaterThan(8);
    expect(through).toBeLessThan(32);
    // Removing the toxic lets the held ones go.
    proxy.removeToxic(id);
    await until(() => clients.every((c) => c.received().length === 5), 'the held bytes');
    for (const c of clients) c.socket.destroy();
  });
});
