/**
 * The contract of every Redis topology in the registry, on real servers: the deployment starts
 * (and stops) within 3 s, a store reaches it only through its fault proxies, it counts each session
 * read and write once (replication left out), it reports every node, and `stop` leaves no process
 * and no folder.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RedisTopologySpec, SessionStore } from '../../../src/backends/types.js';
import type { backends } from '../../../src/backends/registry.js';
import { topologies } from '../../../src/cluster/topologies/registry.js';
import type { Deployment } from '../../../src/cluster/topologies/types.js';
import { toxics } from '../../../src/faults/toxics/registry.js';
import type { RedisTopologyKind } from '../../../src/results/topology.js';
import { isAlive } from '../../helpers/processes.js';
import { useRedis } from '../../helpers/redis.js';
import { childProcesses, storeOn, topologyContext, useProxyHost } from '../../helpers/topology.js';

/** Per kind: a spec, a backend on it, the processes it starts and the Redis nodes it reports. */
const CASES: Record<
  RedisTopologyKind,
  { spec: RedisTopologySpec; backend: keyof typeof backends; processes: number; dataNodes: number }
> = {
  single: { spec: { kind: 'single', pubsub: true }, backend: 'near-cache', processes: 0, dataNodes: 1 },
  cluster: {
    spec: { kind: 'cluster', masters: 3, replicas: 1, nodeTimeoutMs: 1000 },
    backend: 'redis-cluster',
    processes: 6,
    dataNodes: 6,
  },
  sentinel: {
    spec: { kind: 'sentinel', replicas: 1, sentinels: 3, downAfterMs: 1000 },
    backend: 'redis-sentinel',
    processes: 5,
    dataNodes: 2,
  },
  nodes: {
    spec: { kind: 'nodes', count: 3, via: 'twemproxy', vnodes: 160, migrate: true },
    backend: 'hash-ring',
    processes: 4,
    dataNodes: 3,
  },
};

const redis = useRedis();
const proxies = useProxyHost();
const turn = (id: string) => ({ id, user: 'u', reply: 'r' });
const down = { type: toxics.down.name, params: {}, direction: 'both' as const, toxicity: 1 };

describe.each(Object.keys(topologies) as RedisTopologyKind[])('%s topology', (kind) => {
  it('serves a store through its proxies, counts once, reports its nodes and leaves nothing behind', async () => {
    const { spec, backend, processes, dataNodes } = CASES[kind];
    const stores: SessionStore[] = [];
    const before = new Set([...childProcesses('redis-server'), ...childProcesses('nutcracker')]);
    const t0 = performance.now();
    const d: Deployment = await topologies[kind].start(spec as never, topologyContext(stores, proxies.get(), redis.get()));
    // Acceptance: a 6-node cluster starts (and stops) within 3 s; Redis alone makes a new master
    // wait 2 s before it calls the cluster ok.
    expect(performance.now() - t0).toBeLessThanOrEqual(3000);
    const started = [...childProcesses('redis-server'), ...childProcesses('nutcracker')].filter((p) => !before.has(p));
    const dirs = [0, 1, 2].flatMap((index) => {
      const node = d.process({ kind: 'node', index, replica: false });
      return node ? [node.dir] : [];
    });
    try {
      expect(started).toHaveLength(processes);
      await redis.get().reset();
      const counted = await d.commandCounts();
      const store = storeOn(backend, d.target(`contract:${kind}:`), {}, 0);
      stores.push(store);
      for (let i = 0; i < 20; i++) expect(await store.save(`s${i}`, 0, [turn(`t${i}`)])).toBe(1);
      const other = storeOn(backend, d.target(`contract:${kind}:`), {}, 1);
      stores.push(other);
      for (let i = 0; i < 20; i++) expect((await other.load(`s${i}`, {}))?.turns).toEqual([turn(`t${i}`)]);
      const after = await d.commandCounts();
      expect(after.writes - counted.writes).toBe(20);
      expect(after.reads - counted.reads).toBe(20);

      // Every link the instances use is a proxy: with all of them down, nothing reaches Redis.
      const links = d.links({ kind: 'all' });
      expect(links.length).toBeGreaterThan(0);
      const ids = await Promise.all(links.map(async (p) => ({ p, id: await p.addToxic(down) })));
      const attempt = other.load('s0', { forceRemote: true }).then(() => other.save('s0', 1, [turn('x')]));
      await expect(attempt).rejects.toThrow();
      await Promise.all(ids.map(({ p, id }) => p.removeToxic(id)));

      const result = await d.result();
      expect(result.kind).toBe(kind);
      expect(result.nodes.filter((n) => n.role !== 'sentinel')).toHaveLength(dataNodes);
      const keys = result.nodes.reduce((a, n) => a + (n.role === 'replica' ? 0 : (n.keys ?? 0)), 0);
      if (kind !== 'single') expect(keys).toBe(20);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      const t1 = performance.now();
      await d.stop();
      expect(performance.now() - t1).toBeLessThanOrEqual(3000);
    }
    for (const pid of started) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const dir of dirs) expect(existsSync(dir), dir).toBe(false);
  }, 30_000);
});
