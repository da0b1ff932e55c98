/**
 * Every Redis topology by kind. Adding one: a file in this folder exporting a `TopologyDefinition`,
 * its kind in REDIS_TOPOLOGIES (src/results/topology.ts), and one line here.
 */
import type { RedisTopologySpec } from '../../backends/types.js';
import type { RedisTopologyKind } from '../../results/topology.js';
import { clusterTopology } from './cluster.js';
import { nodesTopology } from './nodes.js';
import { sentinelTopology } from './sentinel.js';
import { singleTopology } from './single.js';
import type { Deployment, TopologyContext, TopologyDefinition } from './types.js';

export const topologies = {
  single: singleTopology,
  cluster: clusterTopology,
  sentinel: sentinelTopology,
  nodes: nodesTopology,
} satisfies { [K in RedisTopologyKind]: TopologyDefinition<K> };

/** Start the deployment a backend's topology spec asks for. */
export function startTopology(spec: RedisTopologySpec, ctx: TopologyContext): Promise<Deployment> {
  const def = topologies[spec.kind] as TopologyDefinition;
  return def.start(spec as never, ctx);
}
