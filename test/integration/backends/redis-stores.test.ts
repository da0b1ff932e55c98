/**
 * The Redis-backed stores against a real redis-server, through sessbench's own fault proxy: the
 * client's per-command deadline and bounded offline queue, write-behind, TTL and sliding expiry,
 * what each onStoreError mode does when Redis fails, and two-tier's local capacity.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuardedRedis, createClient } from '../../../src/backends/redis-client.js';
import { type SessionStore, StoreError } from '../../../src/backends/types.js';
import { emptyCounters } from '../../../src/results/schema.js';
import { TcpProxy } from '../../../src/faults/proxy.js';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { type ToxicName, toxics } from '../../../src/faults/toxics/registry.js';
import { useRedis } from '../../helpers/redis.js';
import { makeStore } from '../../helpers/stores.js';

const redis = useRedis();
const turn = (id: string) => ({ id, user: `u ${id}`, reply: `r ${id}` });
let proxy: TcpProxy;
let open: { close(): Promise<void> | void }[] = [];

beforeEach(async () => {
  proxy = new TcpProxy('redis', { host: '127.0.0.1', port: redis.get().port }, 5);
  await proxy.listen();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await proxy.close();
});

function toxic(type: ToxicName, params: Record<string, unknown> = {}): number {
  return proxy.addToxic({ type, params: paramsSchema(toxics[type].params).parse(params) as Record<string, unknown>, direction: 'downstream', toxicity: 1 });
}

/** A store whose Redis link goes through the proxy, its keys under a fresh prefix. */
function store(name: 'redis' | 'two-tier', options: Record<string, unknown> = {}, prefix = `t:${randomBytes(4).toString('hex')}:`) {
  const s = makeStore(name, { ...redis.get(), port: proxy.port! } as never, { prefix, options });
  open.push(s);
  return { s, prefix };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Settles to the error, or to 'resolved'. */
const outcome = (p: Promise<unknown>) => p.then(() => 'resolved' as const, (e: unknown) => e);

describe('GuardedRedis', () => {
  function client(opts: { commandTimeout?: number; maxOfflineQueue?: number } = {}) {
    const stats = emptyCounters();
    const o = { commandTimeout: opts.commandTimeout ?? 300, connectTimeout: 1000, maxOfflineQueue: opts.maxOfflineQueue ?? 100 };
    const g = new GuardedRedis(createClient({ host: '127.0.0.1', port: proxy.port!, keyPrefix: '' }, o), o, stats);
    open.push({ close: () => g.quit() });
    return { g, stats };
  }

  it('fails a command Redis does not answer after commandTimeout, while the stall goes on', async () => {
    const { g, stats } = client({ commandTimeout: 300 });
    await g.run('read', (c) => c.ping());
    toxic('timeout', { timeout: 0 });
    const t0 = performance.now();
    const err = await outcome(g.run('read', (c) => c.get('k')));
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).phase).toBe('read');
    expect((err as StoreError).message).toMatch(/timed out/i);
    // Not before its deadline: the command was really waited for.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(stats.errors).toBe(1);
  });

  it('while Redis is unreachable, queues up to maxOfflineQueue commands and fails the rest at once', async () => {
    const { g, stats } = client({ commandTimeout: 1000, maxOfflineQueue: 2 });
    await g.run('read', (c) => c.ping());
    const id = toxic('down');
    await until(() => g.client.status !== 'ready', 'the client to notice the link is down');
    const order: number[] = [];
    const runs = Array.from({ length: 5 }, (_, i) => outcome(g.run('write', (c) => c.set(`k${i}`, 'v')).finally(() => order.push(i))));
    const results = await Promise.all(runs);
    // The three beyond the queue's bound fail first, each a write error saying why.
    expect(order.slice(0, 3).sort()).toEqual([2, 3, 4]);
    for (const e of results.slice(2)) {
      expect(e).toBeInstanceOf(StoreError);
      expect((e as StoreError).message).toMatch(/offline queue is full/);
      expect((e as StoreError).phase).toBe('write');
    }
    // The two queued ones fail too (the link stays down), but not with the queue's message.
    for (const e of results.slice(0, 2)) {
      expect(e).toBeInstanceOf(StoreError);
      expect((e as StoreError).message).not.toMatch(/offline queue is full/);
    }
    expect(stats.errors).toBe(5);
    // Once Redis is reachable again, commands go through.
    proxy.removeToxic(id);
    await until(() => g.client.status === 'ready', 'the client to reconnect');
    expect(await g.run('read', (c) => c.ping())).toBe('PONG');
  });
});

describe('write-behind', () => {
  it('answers before Redis has the session, serves its own pending write, and flushes it', async () => {
    const { s, prefix } = store('redis', { writeMode: 'write-behind', commandTimeout: '5s' });
    await s.load('warm', {});
    const stall = toxic('timeout', { timeout: 0 });
    // Redis answers nothing now, yet the save returns.
    expect(await s.save('s1', 0, [turn('a')])).toBe(1);
    expect(await s.load('s1', {})).toEqual({ version: 1, turns: [turn('a')] });
    expect(s.counters().localHits).toBe(1);
    proxy.removeToxic(stall);
    await until(async () => (await redis.get().admin.exists(`${prefix}s1`)) === 1, 'the flush');
  });

  it('a sync save waits for Redis: it fails while Redis does not answer', async () => {
    const { s } = store('redis', { commandTimeout: '300ms' });
    await s.load('warm', {});
    toxic('timeout', { timeout: 0 });
    const err = await outcome(s.save('s1', 0, [turn('a')]));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).phase).toBe('write');
  });

  it('flushes what is pending when the store closes', async () => {
    const { s, prefix } = store('redis', { writeMode: 'write-behind' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.save(`s${i}`, 0, [turn(`t${i}`)])));
    await s.close();
    open = open.filter((x) => x !== s);
    expect(await redis.get().admin.keys(`${prefix}*`)).toHaveLength(20);
  });
});

describe.each(['redis', 'two-tier'] as const)('%s TTL', (name) => {
  const pttl = (key: string) => redis.get().admin.pttl(key);

  it('stores a new session with the TTL', async () => {
    const { s, prefix } = store(name, { ttl: '10s' });
    await s.save('s1', 0, [turn('a')]);
    const left = await pttl(`${prefix}s1`);
    expect(left).toBeGreaterThan(8000);
    expect(left).toBeLessThanOrEqual(10_000);
  });

  it('with sliding expiry, every save and touch renews the TTL', async () => {
    const { s, prefix } = store(name, { ttl: '10s', slidingExpiry: true });
    await s.save('s1', 0, [turn('a')]);
    await redis.get().admin.pexpire(`${prefix}s1`, 500);
    await s.save('s1', 1, [turn('a'), turn('b')]);
    expect(await pttl(`${prefix}s1`)).toBeGreaterThan(8000);
    await redis.get().admin.pexpire(`${prefix}s1`, 500);
    await s.touch('s1');
    expect(await pttl(`${prefix}s1`)).toBeGreaterThan(8000);
  });

  it('without sliding expiry, later saves and touches keep the first TTL', async () => {
    const { s, prefix } = store(name, { ttl: '10s', slidingExpiry: false });
    await s.save('s1', 0, [turn('a')]);
    await redis.get().admin.pexpire(`${prefix}s1`, 5000);
    await s.save('s1', 1, [turn('a'), turn('b')]);
    await s.touch('s1');
    const left = await pttl(`${prefix}s1`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5000);
    expect((await s.load('s1', {}))!.version).toBe(2);
  });

  it('a session whose TTL ran out is gone', async () => {
    const { s, prefix } = store(name, { ttl: '10s' });
    await s.save('s1', 0, [turn('a')]);
    await redis.get().admin.pexpire(`${prefix}s1`, 1);
    await until(async () => (await redis.get().admin.exists(`${prefix}s1`)) === 0, 'expiry');
    expect(await s.load('s1', { forceRemote: true })).toBeUndefined();
  });
});

describe('onStoreError', () => {
  /** A store with a session saved, then Redis stalled: every command times out after 300 ms. */
  async function failing(name: 'redis' | 'two-tier', onStoreError: string): Promise<SessionStore> {
    const { s } = store(name, { onStoreError, commandTimeout: '300ms' });
    await s.save('s1', 0, [turn('a')]);
    toxic('timeout', { timeout: 0 });
    return s;
  }

  it.each(['redis', 'two-tier'] as const)('%s error: a failed read or write throws a StoreError of its phase', async (name) => {
    const s = await failing(name, 'error');
    const read = await outcome(s.load('s1', {}));
    expect(read).toBeInstanceOf(StoreError);
    expect((read as StoreError).phase).toBe('read');
    const write = await outcome(s.save('s1', 1, [turn('a'), turn('b')]));
    expect((write as StoreError).phase).toBe('write');
  });

  it.each(['redis', 'two-tier'] as const)('%s new-session: a failed read is no session, a failed write answers unsaved', async (name) => {
    const s = await failing(name, 'new-session');
    expect(await s.load('s1', {})).toBeUndefined();
    expect(await s.save('s2', 0, [turn('x')])).toBe(1);
    expect(s.counters().errors).toBe(2);
  });

  it('two-tier serve-stale: a failed read answers from the local copy, and a failed write updates only it', async () => {
    const s = await failing('two-tier', 'serve-stale');
    expect(await s.load('s1', {})).toEqual({ version: 1, turns: [turn('a')] });
    expect(await s.save('s1', 1, [turn('a'), turn('b')])).toBe(2);
    expect(await s.load('s1', {})).toEqual({ version: 2, turns: [turn('a'), turn('b')] });
    // No local copy: nothing to serve, the read fails.
    expect(await outcome(s.load('never-seen', {}))).toBeInstanceOf(StoreError);
  });
});

describe('two-tier local capacity', () => {
  it('keeps at most localCapacity sessions locally: an evicted one is read from Redis again', async () => {
    const { s } = store('two-tier', { localCapacity: 1 });
    await s.save('s1', 0, [turn('a')]);
    await s.save('s2', 0, [turn('b')]);
    await s.load('s2', { cookieVersion: 1 });
    expect(s.counters()).toMatchObject({ localHits: 1, remoteReads: 0 });
    expect(await s.load('s1', { cookieVersion: 1 })).toEqual({ version: 1, turns: [turn('a')] });
    expect(s.counters()).toMatchObject({ localHits: 1, remoteReads: 1 });
  });
});
