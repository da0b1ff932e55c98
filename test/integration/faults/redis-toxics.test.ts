/**
 * Toxics on a real Redis link, through ioredis: whatever the toxic does to time and packet
 * boundaries, every reply still matches its command.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../../src/faults/proxy.js';
import type { ToxicName } from '../../../src/faults/toxics/registry.js';
import { useRedis } from '../../helpers/redis.js';

const redis = useRedis();
let proxy: TcpProxy;
let client: Redis;

beforeEach(async () => {
  proxy = new TcpProxy('redis', { host: '127.0.0.1', port: redis.get().port }, 3);
  const addr = await proxy.listen();
  client = new Redis({ host: addr.host, port: addr.port, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  await client.ping();
});

afterEach(async () => {
  client.disconnect();
  await proxy.close();
});

function add(type: ToxicName, params: Record<string, unknown>, direction: 'upstream' | 'downstream' | 'both' = 'downstream') {
  // The proxy validates the parameters with the toxic's own schema and applies its defaults.
  return proxy.addToxic({ type, params, direction, toxicity: 1 });
}

/** 200 concurrent SET+GET pairs, each with its own value: every GET must return its own value. */
async function roundTrips(tag: string, onReply: () => void = () => {}): Promise<void> {
  const n = 200;
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const value = `${tag}-${i}-${'x'.repeat(i % 50)}`;
      await client.set(`k:${tag}:${i}`, value);
      onReply();
      const got = await client.get(`k:${tag}:${i}`);
      onReply();
      return [value, got];
    }),
  );
  for (const [want, got] of results) expect(got).toBe(want);
}

describe('toxics on a Redis link', () => {
  it('latency: replies stay matched and arrive late', async () => {
    add('latency', { latency: 30, jitter: 10 }, 'both');
    const t0 = performance.now();
    await roundTrips('latency');
    // Two round trips (SET, then GET), each at least 20 ms out and 20 ms back.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * 20 - 2);
  });

  it('slicer: replies stay matched when cut into tiny packets', async () => {
    add('slicer', { average_size: 5, size_variation: 3, delay: 0 }, 'both');
    await roundTrips('slicer');
  });

  it('timeout 0 (stall): commands wait, then resume in sync when the fault ends', async () => {
    const id = add('timeout', { timeout: 0 });
    let answered = 0;
    const pending = roundTrips('stall', () => answered++);
    // Redis has executed every SET (their replies are what the stall holds)...
    const admin = redis.get().admin;
    const keys = Array.from({ length: 200 }, (_, i) => `k:stall:${i}`);
    while ((await admin.exists(...keys)) < keys.length) await sleep(5);
    // ...and the client has had none of them.
    expect(answered).toBe(0);
    proxy.removeToxic(id);
    await pending;
    expect(answered).toBe(400);
    expect(await client.ping()).toBe('PONG');
  });

  it('redis_command: an injected error replaces exactly the faulted command\'s reply', async () => {
    add('redis_command', { fraction: 0.3, error: 'ERR injected by sessbench', commands: ['GET'] }, 'both');
    const n = 300;
    await Promise.all(Array.from({ length: n }, (_, i) => client.set(`c:${i}`, `v${i}`)));
    const outcomes = await Promise.allSettled(Array.from({ length: n }, (_, i) => client.get(`c:${i}`)));
    let failed = 0;
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') expect(o.value).toBe(`v${i}`);
      else {
        expect(String(o.reason)).toContain('ERR injected by sessbench');
        failed++;
      }
    });
    // A fraction of commands, not all or nothing.
    expect(failed / n).toBeGreaterThan(0.2);
    expect(failed / n).toBeLessThan(0.4);
  });

  it('redis_command: latency delays only the chosen commands', async () => {
    add('redis_command', { fraction: 1, latency: 1000, commands: ['GET'] }, 'both');
    await client.set('a', '1');
    // A second connection through the same proxy: its SET, sent after the GET, is answered first.
    const other = new Redis({ host: '127.0.0.1', port: proxy.port!, maxRetriesPerRequest: 1 });
    other.on('error', () => {});
    try {
      await other.ping();
      const order: string[] = [];
      const t0 = performance.now();
      const get = client.get('a').then((v) => (order.push('GET'), v));
      const set = other.set('b', '2').then((v) => (order.push('SET'), v));
      expect(await Promise.all([get, set])).toEqual(['1', 'OK']);
      expect(order).toEqual(['SET', 'GET']);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(995);
    } finally {
      other.disconnect();
    }
  });
});
