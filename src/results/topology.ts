/**
 * The Redis deployments a backend can run on, and what the results keep of one: per-node counts
 * and memory, redirects (MOVED/ASK), the spread of session keys over the nodes, and the topology
 * events of the run (failovers, slot migrations, membership changes) with their durations.
 * Part of the results contract, so it imports nothing of the project.
 */
import * as z from 'zod';

/**
 * `single`: one redis-server. `cluster`: a Redis Cluster of masters with replicas. `sentinel`: a
 * master, replicas and Sentinels. `nodes`: standalone servers a consistent-hash ring spreads keys over.
 */
export const REDIS_TOPOLOGIES = ['single', 'cluster', 'sentinel', 'nodes'] as const;
export type RedisTopologyKind = (typeof REDIS_TOPOLOGIES)[number];

const count = () => z.number().int().min(0);

export const RedisNodeResultSchema = z.object({
  name: z.string().describe('"redis[0]", "redis[0].replica", "sentinel[1]", "twemproxy".'),
  role: z.enum(['master', 'replica', 'node', 'sentinel', 'proxy']).describe('Its role at the end of the run.'),
  alive: z.boolean(),
  reads: count().describe('Session reads it served (INFO commandstats), the whole backend run.'),
  writes: count().describe('Session writes it executed, replicated ones included on a replica.'),
  usedMemoryBytes: count().nullable(),
  keys: count().nullable().describe('Keys it held at the end.'),
});
export type RedisNodeResult = z.output<typeof RedisNodeResultSchema>;

export const TOPOLOGY_EVENT_KINDS = ['failover', 'reshard', 'remove-node', 'add-node'] as const;

/** A change of the deployment during the run: when it began, how long it took, what it moved. */
export const TopologyEventSchema = z.object({
  kind: z.enum(TOPOLOGY_EVENT_KINDS),
  fault: z.string().describe('The fault that caused it.'),
  t: z.number().describe("Seconds from the start of the load (warmup included), like a fault's `at`, when it began."),
  durationMs: z
    .number()
    .nullable()
    .describe(
      'failover: from the kill to the first write that succeeds again; reshard / membership: the migration. ' +
        'null: did not complete within the run.',
    ),
  keysMoved: count().optional().describe('Keys copied to their new node.'),
  bytesMoved: count().optional().describe('Serialized bytes of the keys moved.'),
  slotsMoved: count().optional(),
  keysRemapped: count().optional().describe('Keys whose node changed with the membership.'),
  keysTotal: count().optional().describe('Keys stored when the membership changed.'),
  detail: z.string().optional(),
});
export type TopologyEvent = z.output<typeof TopologyEventSchema>;

export const KeySpreadSchema = z.object({
  nodes: count(),
  keys: count(),
  max: count(),
  mean: z.number(),
  /** max / mean: 1 is a perfect spread. */
  ratio: z.number(),
});
export type KeySpread = z.output<typeof KeySpreadSchema>;

export const RedisTopologyResultSchema = z.object({
  kind: z.enum(REDIS_TOPOLOGIES),
  shape: z.string().describe('"3 masters × 1 replica", "4 nodes, twemproxy ketama", …'),
  nodes: z.array(RedisNodeResultSchema),
  redirects: z
    .object({ moved: count(), ask: count() })
    .nullable()
    .describe('MOVED and ASK replies the nodes sent (INFO errorstats); cluster only.'),
  keySpread: KeySpreadSchema.nullable().describe('Session keys over the masters / ring nodes at the end.'),
  events: z.array(TopologyEventSchema),
});
export type RedisTopologyResult = z.output<typeof RedisTopologyResultSchema>;

/** max / mean of the keys per node; null without keys. */
export function keySpread(perNode: readonly number[]): KeySpread | null {
  const keys = perNode.reduce((a, b) => a + b, 0);
  if (perNode.length === 0 || keys === 0) return null;
  const mean = keys / perNode.length;
  const max = Math.max(...perNode);
  return {
    nodes: perNode.length,
    keys,
    max,
    mean: Math.round(mean * 100) / 100,
    ratio: Math.round((max / mean) * 1000) / 1000,
  };
}
