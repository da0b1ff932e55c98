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
async function roundTrips(tag: string): Promise<void> {
  const n = 200;
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const value = `${tag}-${i}-${'x'.repeat(i % 50)}`;
      await client.set(`k:${tag}:${i}`, value);
      return [value, await client.get(`k:${tag}:${i}`)];
    }),
  );
  for (const [want, got] of results) expect(got).toBe(want);
}

describe('toxics on a Redis link', () => {
  it('latency: replies stay matched and arrive late', async () => {
    add('latency', { latency: 30, jitter: 10 }, 'both');
    const t0 = performance.now();
    await roundTrips('latency');
    expect(performance.now() - t0).toBeGreaterThan(100); // two round trips of >= 40 ms
  });

  it('slicer: replies stay matched when cut into tiny packets', async () => {
    add('slicer', { average_size: 5, size_variation: 3, delay: 0 }, 'both');
    await roundTrips('slicer');
  });

  it('timeout 0 (stall): commands wait, then resume in sync when the fault ends', async () => {
    const id = add('timeout', { timeout: 0 });
    const pending = roundTrips('stall');
    await sleep(200);
    proxy.removeToxic(id);
    await pending;
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
    add('redis_command', { fraction: 1, latency: 150, commands: ['GET'] }, 'both');
    let t0 = performance.now();
    await client.set('a', '1');
    expect(performance.now() - t0).toBeLessThan(100);
    t0 = performance.now();
    expect(await client.get('a')).toBe('1');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
