/**
 * A Redis deployment of a kind, started by sessbench's own topology code on free loopback ports for
 * a test file, and stores on it as an instance would build them (a client-side ring follows the
 * deployment's membership changes through `announceRing`, as the harness's IPC does).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import * as z from 'zod';
import { backends } from '../../src/backends/registry.js';
import type { BackendDefinition, RedisTarget, RedisTopologySpec, SessionStore } from '../../src/backends/types.js';
import { isRingMember } from '../../src/backends/types.js';
import type { RedisServer } from '../../src/cluster/redis.js';
import { startTopology } from '../../src/cluster/topologies/registry.js';
import type { Deployment, TopologyContext } from '../../src/cluster/topologies/types.js';
import { ProxyHost } from '../../src/faults/proxy-host.js';

export const SECRET = 'c'.repeat(64);

/** A proxy thread for the file's tests (the one a run shares between its deployment and its peer links). */
export function useProxyHost() {
  let host: ProxyHost | undefined;
  beforeAll(() => {
    host = new ProxyHost(7);
  });
  afterAll(() => host?.close());
  return { get: () => host! };
}

/** The context a run gives a deployment, with stores to tell about ring changes. */
export function topologyContext(stores: SessionStore[], proxies: ProxyHost, server?: RedisServer): TopologyContext {
  const t0 = performance.now();
  return {
    seed: 7,
    proxies,
    server,
    bin: undefined,
    now: () => performance.now() - t0,
    announceRing: async (nodes) => {
      for (const s of stores) if (isRingMember(s)) s.setRing(nodes);
    },
  };
}

/** A deployment for the file's tests, with the stores made on it closed before it stops. */
export function useTopology(spec: RedisTopologySpec, server?: () => RedisServer) {
  const stores: SessionStore[] = [];
  const proxies = useProxyHost();
  let deployment: Deployment | undefined;
  beforeAll(async () => {
    deployment = await startTopology(spec, topologyContext(stores, proxies.get(), server?.()));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await deployment?.stop();
  });
  return {
    get: () => deployment!,
    /** A store of `backend` on the deployment, as instance `index` would build it. */
    store(backend: keyof typeof backends, options: Record<string, unknown> = {}, index = 0, prefix = 'test:') {
      const s = storeOn(backend, deployment!.target(prefix), options, index);
      stores.push(s);
      return s;
    },
  };
}

export function storeOn(
  backend: keyof typeof backends,
  target: RedisTarget,
  options: Record<string, unknown>,
  index = 0,
): SessionStore {
  const def = backends[backend] as BackendDefinition<any>;
  const opts = z.strictObject(def.options).parse(options) as Record<string, unknown>;
  return def.create({ instanceIndex: index, instanceCount: 4, secret: SECRET, redis: target }, opts);
}

/** Processes whose parent is this test process and whose command line mentions `name` (Linux /proc). */
export function childProcesses(name: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (ppid === process.pid && cmd.includes(name) && !stat.includes(') Z ')) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
