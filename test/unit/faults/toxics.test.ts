/**
 * Each toxic's timing and cutting, on a clock the test owns: a toxic's `pipe` against a stub, with
 * vitest's fake timers (the toxics read `performance.now()` and wait with `setTimeout`). The real
 * proxy, sockets and Redis are in test/integration/faults.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { type ToxicName, toxics } from '../../../src/faults/toxics/registry.js';
import type { Direction, Piece, Toxic, ToxicStub } from '../../../src/faults/toxics/types.js';
import { Prng } from '../../../src/util/prng.js';

interface TestStub extends ToxicStub {
  remove(): void;
  close: ReturnType<typeof vi.fn<() => void>>;
  reset: ReturnType<typeof vi.fn<() => void>>;
  inject: ReturnType<typeof vi.fn<(direction: Direction, data: Buffer) => void>>;
}

function stubFor(toxic: Toxic, direction: Direction = 'downstream', shared: Record<string, unknown> = {}): TestStub {
  let removed = false;
  let resolve!: () => void;
  const prng = new Prng(7, 'toxic-test');
  const stub: TestStub = {
    direction,
    removed: new Promise<void>((r) => (resolve = r)),
    isRemoved: () => removed,
    close: vi.fn<() => void>(),
    reset: vi.fn<() => void>(),
    inject: vi.fn<(direction: Direction, data: Buffer) => void>(),
    random: () => prng.next(),
    state: toxic.newState?.(),
    shared,
    remove() {
      removed = true;
      resolve();
    },
  };
  return stub;
}

function make<N extends ToxicName>(name: N, params: Record<string, unknown>): Toxic {
  return toxics[name].create(paramsSchema(toxics[name].params).parse(params) as never) as Toxic;
}

const now = () => performance.now();
const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

/** Pipe a chunk that arrived at `at`; resolves to [time it was let go, pieces]. */
async function piped(toxic: Toxic, stub: ToxicStub, data: Buffer, at = now()): Promise<[number, Piece[]]> {
  const pieces = await toxic.pipe({ data, at }, stub);
  return [now(), pieces];
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] }));
afterEach(() => vi.useRealTimers());

describe('latency', () => {
  it('lets each chunk go `latency` ms after it arrived, not after the previous one', async () => {
    const t = make('latency', { latency: 100 });
    const s = stubFor(t);
    const t0 = now();
    // Three chunks arrive 5 ms apart while the first is still held.
    const runs = [0, 5, 10].map((d) => piped(t, s, bytes(10), t0 + d));
    await vi.advanceTimersByTimeAsync(500);
    const done = await Promise.all(runs);
    expect(done.map(([at]) => at - t0)).toEqual([100, 105, 110]);
    for (const [, pieces] of done) expect(pieces).toEqual([bytes(10)]);
  });

  it('measures from the arrival: a chunk that waited in the queue is not delayed twice', async () => {
    const t = make('latency', { latency: 100 });
    const t0 = now();
    await vi.advanceTimersByTimeAsync(60);
    const run = piped(t, stubFor(t), bytes(1), t0);
    await vi.advanceTimersByTimeAsync(100);
    expect((await run)[0] - t0).toBe(100);
  });

  it('adds jitter within ±jitter, drawn per chunk', async () => {
    const t = make('latency', { latency: 50, jitter: 20 });
    const s = stubFor(t);
    const t0 = now();
    const runs = Array.from({ length: 40 }, () => piped(t, s, bytes(1), t0));
    await vi.advanceTimersByTimeAsync(200);
    const delays = (await Promise.all(runs)).map(([at]) => at - t0);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(30);
      expect(d).toBeLessThanOrEqual(70);
    }
    expect(new Set(delays.map(Math.round)).size).toBeGreaterThan(10);
  });

  it('lets held data go at once, whole, when the toxic is removed', async () => {
    const t = make('latency', { latency: 1000 });
    const s = stubFor(t);
    const t0 = now();
    const run = piped(t, s, bytes(3, 9), t0);
    await vi.advanceTimersByTimeAsync(40);
    s.remove();
    await vi.advanceTimersByTimeAsync(0);
    const [at, pieces] = await run;
    expect(at - t0).toBe(40);
    expect(pieces).toEqual([bytes(3, 9)]);
  });
});

describe('bandwidth', () => {
  it('holds each chunk for its size / rate, after the chunks before it', async () => {
    // 100 KB/s = 100 bytes per ms.
    const t = make('bandwidth', { rate: 100 });
    const s = stubFor(t);
    const t0 = now();
    const a = piped(t, s, bytes(1000));
    const b = piped(t, s, bytes(500));
    await vi.advanceTimersByTimeAsync(100);
    expect((await a)[0] - t0).toBe(10);
    expect((await b)[0] - t0).toBe(15);
    // An idle link starts afresh.
    await vi.advanceTimersByTimeAsync(200);
    const t1 = now();
    const c = piped(t, s, bytes(200));
    await vi.advanceTimersByTimeAsync(10);
    expect((await c)[0] - t1).toBe(2);
    expect((await c)[1]).toEqual([bytes(200)]);
  });

  it('keeps its budget per connection and direction', async () => {
    const t = make('bandwidth', { rate: 100 });
    const t0 = now();
    const a = piped(t, stubFor(t), bytes(1000));
    const b = piped(t, stubFor(t), bytes(1000));
    await vi.advanceTimersByTimeAsync(50);
    expect([(await a)[0] - t0, (await b)[0] - t0]).toEqual([10, 10]);
  });
});

describe('slicer', () => {
  it('cuts a chunk into pieces of about average_size, `delay` µs apart, keeping every byte in order', async () => {
    const t = make('slicer', { average_size: 10, size_variation: 4, delay: 2000 });
    const data = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    const [, pieces] = await piped(t, stubFor(t), data);
    const slices = pieces.filter((p): p is Buffer => Buffer.isBuffer(p));
    const pauses = pieces.filter((p): p is number => typeof p === 'number');
    expect(Buffer.concat(slices).equals(data)).toBe(true);
    expect(slices.length).toBeGreaterThanOrEqual(200 / 14);
    for (const sl of slices) expect(sl.length).toBeLessThanOrEqual(14);
    // A pause (in ms) between every two slices, none before the first or after the last.
    expect(pauses).toEqual(Array(slices.length - 1).fill(2));
    expect(typeof pieces[0]).not.toBe('number');
    expect(typeof pieces.at(-1)).not.toBe('number');
  });

  it('passes a chunk no larger than a slice whole', async () => {
    const t = make('slicer', { average_size: 64, size_variation: 0, delay: 0 });
    const [, pieces] = await piped(t, stubFor(t), bytes(50));
    expect(pieces).toEqual([bytes(50)]);
  });
});

describe('limit_data', () => {
  it('lets exactly `bytes` through per connection and direction, then closes it', async () => {
    const t = make('limit_data', { bytes: 10 });
    const s = stubFor(t);
    expect((await piped(t, s, bytes(6)))[1]).toEqual([bytes(6)]);
    expect(s.close).not.toHaveBeenCalled();
    expect((await piped(t, s, bytes(8)))[1]).toEqual([bytes(4)]);
    // The last allowed bytes go out before the connection closes.
    expect(s.close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.close).toHaveBeenCalledTimes(1);
    expect((await piped(t, s, bytes(5)))[1]).toEqual([]);
    // Another connection has its own budget.
    expect((await piped(t, stubFor(t), bytes(10)))[1]).toEqual([bytes(10)]);
  });

  it('closes at once with a limit of 0', () => {
    const t = make('limit_data', { bytes: 0 });
    const s = stubFor(t);
    t.attach!(s);
    expect(s.close).toHaveBeenCalledTimes(1);
  });
});

describe('timeout', () => {
  it('holds data until the toxic is removed, then lets it go whole', async () => {
    const t = make('timeout', { timeout: 0 });
    const s = stubFor(t);
    t.attach?.(s);
    let released = false;
    const run = piped(t, s, bytes(4, 7)).then((r) => ((released = true), r));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(released).toBe(false);
    expect(s.close).not.toHaveBeenCalled();
    s.remove();
    expect((await run)[1]).toEqual([bytes(4, 7)]);
  });

  it('with a timeout, closes the connection that long after it started on it', async () => {
    const t = make('timeout', { timeout: 150 });
    const s = stubFor(t);
    t.attach!(s);
    await vi.advanceTimersByTimeAsync(149);
    expect(s.close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.close).toHaveBeenCalledTimes(1);
    expect(s.reset).not.toHaveBeenCalled();
  });

  it('does not close a connection once the fault is over', async () => {
    const t = make('timeout', { timeout: 150 });
    const s = stubFor(t);
    t.attach!(s);
    await vi.advanceTimersByTimeAsync(100);
    s.remove();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.close).not.toHaveBeenCalled();
  });
});

describe('reset_peer', () => {
  it('resets (RST, not FIN) the connection `timeout` ms after it started on it, and lets data through until then', async () => {
    const t = make('reset_peer', { timeout: 100 });
    const s = stubFor(t);
    t.attach!(s);
    expect((await piped(t, s, bytes(3)))[1]).toEqual([bytes(3)]);
    await vi.advanceTimersByTimeAsync(99);
    expect(s.reset).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.reset).toHaveBeenCalledTimes(1);
    expect(s.close).not.toHaveBeenCalled();
  });

  it('does not reset once the fault is over', async () => {
    const t = make('reset_peer', { timeout: 100 });
    const s = stubFor(t);
    t.attach!(s);
    s.remove();
    await vi.advanceTimersByTimeAsync(500);
    expect(s.reset).not.toHaveBeenCalled();
  });
});

describe('down', () => {
  it('closes every connection it starts on and refuses new ones', () => {
    const t = make('down', {});
    const s = stubFor(t);
    t.attach!(s);
    expect(s.close).toHaveBeenCalledTimes(1);
    expect(t.refusesConnections).toBe(true);
  });
});

describe('redis_command', () => {
  const resp = (...args: string[]) => Buffer.from(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);

  it('answers a faulted command with the error in its place, and sends the others on', async () => {
    const t = make('redis_command', { fraction: 1, error: 'ERR injected', commands: ['GET'] });
    const shared = {};
    const up = stubFor(t, 'upstream', shared);
    const down = stubFor(t, 'downstream', shared);
    // SET k v, GET k, SET j w in one chunk: the GET never reaches Redis.
    const [, pieces] = await piped(t, up, Buffer.concat([resp('SET', 'k', 'v'), resp('GET', 'k'), resp('SET', 'j', 'w')]));
    expect(Buffer.concat(pieces as Buffer[]).toString()).toBe(Buffer.concat([resp('SET', 'k', 'v'), resp('SET', 'j', 'w')]).toString());
    expect(up.inject).not.toHaveBeenCalled();
    // Redis answers both SETs; the error goes between them, where the GET's reply belongs.
    const [, replies] = await piped(t, down, Buffer.from('+OK\r\n+OK\r\n'));
    expect(Buffer.concat(replies as Buffer[]).toString()).toBe('+OK\r\n-ERR injected\r\n+OK\r\n');
  });

  it('injects the error at once when Redis owes no earlier reply', async () => {
    const t = make('redis_command', { fraction: 1, error: 'ERR injected' });
    const up = stubFor(t, 'upstream');
    const [, pieces] = await piped(t, up, resp('GET', 'k'));
    expect(pieces).toEqual([]);
    expect(up.inject).toHaveBeenCalledWith('downstream', Buffer.from('-ERR injected\r\n'));
  });

  it('delays only the chosen commands, by `latency` ms before they are sent on', async () => {
    const t = make('redis_command', { fraction: 1, latency: 150, commands: ['GET'] });
    const [, pieces] = await piped(t, stubFor(t, 'upstream'), Buffer.concat([resp('SET', 'k', 'v'), resp('GET', 'k')]));
    expect(pieces).toEqual([resp('SET', 'k', 'v'), 150, resp('GET', 'k')]);
  });

  it('never faults the connection handshake unless named', async () => {
    const t = make('redis_command', { fraction: 1, error: 'ERR injected' });
    const up = stubFor(t, 'upstream');
    const [, pieces] = await piped(t, up, Buffer.concat([resp('HELLO', '3'), resp('CLIENT', 'SETNAME', 'x')]));
    expect(pieces).toHaveLength(2);
    expect(up.inject).not.toHaveBeenCalled();
  });

  it('keeps a command cut across chunks whole', async () => {
    const t = make('redis_command', { fraction: 1, latency: 10, commands: ['GET'] });
    const up = stubFor(t, 'upstream');
    const get = resp('GET', 'key');
    expect((await piped(t, up, get.subarray(0, 7)))[1]).toEqual([]);
    expect((await piped(t, up, get.subarray(7)))[1]).toEqual([10, get]);
  });
});
