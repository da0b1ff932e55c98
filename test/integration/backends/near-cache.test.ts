/**
 * near-cache on a real Redis: a local copy answers without Redis until an invalidation drops it; an
 * invalidation delayed on its link leaves another instance answering from an old copy (stale);
 * after its subscriber reconnects (invalidations may have been lost meanwhile) an instance trusts
 * none of its copies.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../../src/backends/types.js';
import { startTopology } from '../../../src/cluster/topologies/registry.js';
import type { Deployment } from '../../../src/cluster/topologies/types.js';
import { toxics } from '../../../src/faults/toxics/registry.js';
import { useRedis } from '../../helpers/redis.js';
import { storeOn, topologyContext, useProxyHost } from '../../helpers/topology.js';

const redis = useRedis();
const proxies = useProxyHost();
let d: Deployment;
let a: SessionStore;
let b: SessionStore;
beforeAll(async () => {
  d = await startTopology({ kind: 'single', pubsub: true }, topologyContext([], proxies.get(), redis.get()));
  a = storeOn('near-cache', d.target('near:'), {}, 0);
  b = storeOn('near-cache', d.target('near:'), {}, 1);
  await sleep(100); // both subscribed
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await d?.stop();
});
const turns = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, user: 'u', reply: 'r' }));

describe('near-cache', () => {
  it('answers from its copy, and reads Redis again once another instance wrote', async () => {
    await a.save('s1', 0, turns(1));
    expect((await b.load('s1', {}))?.version).toBe(1);
    const reads = b.counters().remoteReads;
    expect((await b.load('s1', {}))?.version).toBe(1);
    expect(b.counters().remoteReads).toBe(reads);
    await a.save('s1', 1, turns(2));
    await sleep(30);
    expect((await b.load('s1', {}))?.version).toBe(2);
    expect(b.counters().remoteReads).toBe(reads + 1);
  });

  it('serves a stale copy while the invalidation is delayed on its link, and the fresh one after', async () => {
    await a.save('s2', 0, turns(1));
    expect((await b.load('s2', {}))?.version).toBe(1);
    const [pubsub] = d.links({ kind: 'pubsub' });
    const latency = { type: toxics.latency.name, params: { latency: 150, jitter: 0 }, toxicity: 1 };
    const id = await pubsub!.addToxic({ ...latency, direction: 'downstream' });
    try {
      await a.save('s2', 1, turns(2));
      expect((await b.load('s2', {}))?.version).toBe(1);
      await sleep(400);
      expect((await b.load('s2', {}))?.version).toBe(2);
    } finally {
      await pubsub!.removeToxic(id);
    }
  });

  it('drops every copy after its subscriber reconnected: invalidations sent meanwhile are gone', async () => {
    await a.save('s3', 0, turns(1));
    expect((await b.load('s3', {}))?.version).toBe(1);
    const [pubsub] = d.links({ kind: 'pubsub' });
    const id = await pubsub!.addToxic({ type: toxics.down.name, params: {}, direction: 'both', toxicity: 1 });
    await sleep(50);
    await a.save('s3', 1, turns(2));
    await pubsub!.removeToxic(id);
    // ioredis reconnects within its retry delay and subscribes again.
    await sleep(800);
    expect((await b.load('s3', {}))?.version).toBe(2);
  });
});
