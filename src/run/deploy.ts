/**
 * A backend's Redis deployment: which topology it runs on (from its definition and options), and
 * starting it with what it needs from the run (the run's own server for a single one, the clock of
 * the load for its events, the cluster to tell about ring membership changes).
 */
import type { BackendDefinition, RedisTopologySpec } from '../backends/types.js';
import type { Cluster } from '../cluster/cluster.js';
import type { RedisServer } from '../cluster/redis.js';
import { startTopology } from '../cluster/topologies/registry.js';
import type { Deployment } from '../cluster/topologies/types.js';
import type { ProxyHost } from '../faults/proxy-host.js';
import type { BackendSpec } from '../scenario/schema.js';

/** The Redis deployment a backend runs on; undefined for a backend without Redis. */
export function topologyOf(b: { spec: BackendSpec; def: BackendDefinition }): RedisTopologySpec | undefined {
  if (!b.def.usesRedis) return undefined;
  return b.def.redisTopology?.(b.spec.options as never) ?? { kind: 'single' };
}

/** When the load began (performance.now()), for the times of topology events. */
export interface LoadClock {
  start?: number;
}

/** What a deployment needs from the run. */
export interface DeployOptions {
  seed: number;
  /** The run's own server (or --redis-url): a single-server backend's, emptied first. */
  server: RedisServer | undefined;
  /** redis-server to spawn for the other topologies. */
  bin: string | undefined;
  /** The proxy thread the nodes' fault proxies run in. */
  proxies: ProxyHost;
}

/** Start a backend's Redis deployment; undefined for a backend without Redis. */
export async function deploy(
  topology: RedisTopologySpec | undefined,
  run: DeployOptions,
  clock: LoadClock,
  cluster: () => Cluster | undefined,
): Promise<Deployment | undefined> {
  if (!topology) return undefined;
  if (topology.kind === 'single') await run.server?.reset();
  return startTopology(topology, {
    seed: run.seed,
    server: run.server,
    bin: run.bin,
    proxies: run.proxies,
    now: () => (clock.start === undefined ? 0 : performance.now() - clock.start),
    announceRing: (nodes) => cluster()!.announceRing(nodes),
  });
}
