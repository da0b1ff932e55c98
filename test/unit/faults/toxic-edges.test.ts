/**
 * Toxics at their edges: the label each one gives a fault's name, slicer cuts with a known random
 * draw, limit_data at exactly its limit, redis_command's busy state, thresholds and split replies,
 * and waitOrRemoved with nothing to wait for.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { type ToxicName, toxics } from '../../../src/faults/toxics/registry.js';
import {
  type Direction,
  type Piece,
  type Toxic,
  type ToxicStub,
  waitOrRemoved,
} from '../../../src/faults/toxics/types.js';

function stubFor(toxic: Toxic, opts: { direction?: Direction; random?: () => number; shared?: object } = {}) {
  let removed = false;
  let resolve!: () => void;
  return {
    direction: opts.direction ?? 'downstream',
    removed: new Promise<void>((r) => (resolve = r)),
    isRemoved: () => removed,
    close: vi.fn<() => void>(),
    reset: vi.fn<() => void>(),
    inject: vi.fn<(direction: Direction, data: Buffer) => void>(),
    random: opts.random ?? (() => 0.5),
    state: toxic.newState?.(),
    shared: (opts.shared ?? {}) as Record<string, unknown>,
    remove() {
      removed = true;
      resolve();
    },
  } satisfies ToxicStub & { remove(): void };
}

const parse = (name: ToxicName, params: Record<string, unknown>) =>
  paramsSchema(toxics[name].params).parse(params) as never;
const make = (name: ToxicName, params: Record<string, unknown>) => toxics[name].create(parse(name, params)) as Toxic;
const label = (name: ToxicName, params: Record<string, unknown> = {}) => toxics[name].label(parse(name, params));
const sizes = (pieces: Piece[]) => pieces.map((p) => (typeof p === 'number' ? `+${p}ms` : p.length));

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] }));
afterEach(() => vi.useRealTimers());

describe('labels (a fault without a name is called "<target> <label>")', () => {
  it('says what each toxic does with its parameters', () => {
    expect(label('latency', { latency: 50 })).toBe('latency 50ms');
    expect(label('latency', { latency: 1500, jitter: 10 })).toBe('latency 1.5s±10ms');
    expect(label('bandwidth', { rate: 100 })).toBe('bandwidth 100KB/s');
    expect(label('limit_data', { bytes: 10 })).toBe('limit 10B');
    expect(label('slicer', { average_size: 10 })).toBe('slicer');
    expect(label('timeout', {})).toBe('stall');
    expect(label('reset_peer', {})).toBe('reset');
    expect(label('down', {})).toBe('down');
  });

  it('redis_command: the share, the commands and the fault', () => {
    const errors = label('redis_command', { fraction: 0.255, commands: ['get', 'set'], error: 'ERR x' });
    expect(errors).toBe('25.5% GET/SET errors');
    expect(label('redis_command', { fraction: 0.1, latency: 5 })).toBe('10% latency 5ms');
  });
});

describe('redis_command', () => {
  const resp = (...args: string[]) =>
    Buffer.from(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);

  it('needs exactly one of latency and error', () => {
    const problem = toxics.redis_command.problem!;
    const both = { key: 'fraction', message: 'a per-command fault needs either latency or error' };
    expect(problem({ fraction: 0.1, latency: 5 })).toBeUndefined();
    expect(problem({ fraction: 0.1, error: 'ERR x' })).toBeUndefined();
    expect(problem({ fraction: 0.1 })).toEqual(both);
    expect(problem({ fraction: 0.1, latency: 5, error: 'ERR x' })).toEqual(both);
  });

  it('faults a command when the draw is below the fraction, never at it', async () => {
    const t = make('redis_command', { fraction: 0, error: 'ERR x' });
    const up = stubFor(t, { direction: 'upstream', random: () => 0 });
    expect(await t.pipe({ data: resp('GET', 'k'), at: 0 }, up)).toEqual([resp('GET', 'k')]);
    expect(up.inject).not.toHaveBeenCalled();
  });

  it('adds no pause for a latency of 0', async () => {
    const t = make('redis_command', { fraction: 1, latency: 0 });
    const up = stubFor(t, { direction: 'upstream' });
    expect(await t.pipe({ data: resp('GET', 'k'), at: 0 }, up)).toEqual([resp('GET', 'k')]);
  });

  it('is busy while a command is cut, a reply is owed or a reply is cut', async () => {
    const t = make('redis_command', { fraction: 0, error: 'ERR x' });
    const shared = {};
    const up = stubFor(t, { direction: 'upstream', shared });
    const down = stubFor(t, { direction: 'downstream', shared });
    expect(t.busy!(up)).toBe(false);
    const get = resp('GET', 'k');
    await t.pipe({ data: get.subarray(0, 5), at: 0 }, up);
    expect(t.busy!(up)).toBe(true);
    await t.pipe({ data: get.subarray(5), at: 0 }, up);
    expect(t.busy!(down)).toBe(true);
    // The reply comes in two chunks: held until whole, then nothing is owed.
    expect(await t.pipe({ data: Buffer.from('$3\r\nv'), at: 0 }, down)).toEqual([]);
    expect(t.busy!(down)).toBe(true);
    expect(await t.pipe({ data: Buffer.from('al\r\n'), at: 0 }, down)).toEqual([Buffer.from('$3\r\nval\r\n')]);
    expect(t.busy!(down)).toBe(false);
  });
});

describe('slicer', () => {
  it('cuts at the midpoint moved by the drawn variation', async () => {
    const low = make('slicer', { average_size: 10, size_variation: 4 });
    // A draw of 0 moves every cut 4 bytes left: 40 → 16 + 24 → (4 + 12) + (8 + 16 → 4 + 12).
    expect(sizes(await low.pipe({ data: Buffer.alloc(40), at: 0 }, stubFor(low, { random: () => 0 })))).toEqual([
      4, 12, 8, 4, 12,
    ]);
    const high = make('slicer', { average_size: 10, size_variation: 4 });
    // A draw of 0.99 moves them 3 bytes right: 40 → 23 + 17 → (14 + 9) + (11 + 6).
    expect(sizes(await high.pipe({ data: Buffer.alloc(40), at: 0 }, stubFor(high, { random: () => 0.99 })))).toEqual(
      [14, 9, 11, 6],
    );
  });

  it('caps the variation below the average size', async () => {
    // Capped at 9: a draw of 0 moves each cut 9 bytes left, and a piece of 19 (10 + 9) is whole.
    const t = make('slicer', { average_size: 10, size_variation: 50 });
    expect(sizes(await t.pipe({ data: Buffer.alloc(40), at: 0 }, stubFor(t, { random: () => 0 })))).toEqual([
      11, 5, 3, 1, 1, 19,
    ]);
  });

  it('passes a chunk of average_size + size_variation whole, and an empty chunk as nothing', async () => {
    const t = make('slicer', { average_size: 10, size_variation: 4, delay: 5000 });
    expect(sizes(await t.pipe({ data: Buffer.alloc(14), at: 0 }, stubFor(t)))).toEqual([14]);
    expect(await t.pipe({ data: Buffer.alloc(0), at: 0 }, stubFor(t))).toEqual([]);
  });

  it('puts no pause between slices without a delay', async () => {
    const t = make('slicer', { average_size: 10 });
    expect(sizes(await t.pipe({ data: Buffer.alloc(40), at: 0 }, stubFor(t)))).toEqual([10, 10, 10, 10]);
  });
});

describe('limit_data, down', () => {
  it('a chunk of exactly the remaining room passes and the connection closes', async () => {
    const t = make('limit_data', { bytes: 10 });
    const s = stubFor(t);
    expect(await t.pipe({ data: Buffer.alloc(4), at: 0 }, s)).toEqual([Buffer.alloc(4)]);
    expect(await t.pipe({ data: Buffer.alloc(6), at: 0 }, s)).toEqual([Buffer.alloc(6)]);
    await vi.runAllTimersAsync();
    expect(s.close).toHaveBeenCalledTimes(1);
  });

  it('down lets nothing through', async () => {
    const t = make('down', {});
    expect(await t.pipe({ data: Buffer.alloc(4), at: 0 }, stubFor(t))).toEqual([]);
  });
});

describe('parameters and waiting', () => {
  it('a required parameter must be given; a defaulted one takes its default', () => {
    expect(paramsSchema(toxics.latency.params).safeParse({}).success).toBe(false);
    expect(paramsSchema(toxics.latency.params).parse({ latency: 5 })).toEqual({ latency: 5, jitter: 0 });
    expect(paramsSchema(toxics.redis_command.params).parse({ fraction: 1, latency: 5 })).toEqual({
      fraction: 1,
      latency: 5,
    });
  });

  it('waitOrRemoved resolves at once for 0 ms or a removed toxic, without a timer', async () => {
    const t = make('down', {});
    const done = vi.fn();
    void waitOrRemoved(0, stubFor(t)).then(done);
    const removed = stubFor(t);
    removed.remove();
    void waitOrRemoved(60_000, removed).then(done);
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
