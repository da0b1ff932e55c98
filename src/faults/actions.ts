/**
 * Fault actions that are not toxics (processes, partitions, Redis topology changes) and their
 * parameters: the one table the fault schema (schema.ts) derives their keys, checks and defaults from.
 */
import type { RedisTopologyKind } from '../results/topology.js';
import { durationMs, probability } from '../util/fields.js';
import type { TargetKind } from './targets.js';

/**
 * Faults on processes (and the partition of an instance's peer links), which are not toxics: the
 * targets each applies to, and for Redis nodes the deployments it exists for.
 */
export const PROCESS_ACTIONS: Record<
  string,
  { targets: TargetKind[]; topologies?: RedisTopologyKind[]; description: string }
> = {
  kill: {
    targets: ['instance', 'redis-node'],
    description: 'instance or Redis node: SIGKILL (a cluster or Sentinel promotes a replica after a while).',
  },
  stop: { targets: ['instance'], description: 'instance: SIGTERM, then SIGKILL after `grace`.' },
  pause: {
    targets: ['instance', 'redis-node'],
    description: 'instance or Redis node: SIGSTOP for `duration`, then SIGCONT.',
  },
  restart: {
    targets: ['redis', 'redis-node'],
    description: 'redis: kill redis-server and start it again empty (no persistence); redis[k]: that node.',
  },
  partition: { targets: ['peers'], description: '<instance>.peers: cut the instance off from the other instances.' },
  failover: {
    targets: ['redis-node'],
    topologies: ['cluster', 'sentinel'],
    description: 'redis[k] (cluster, sentinel): the master dies; the time until a replica takes writes is reported.',
  },
  reshard: {
    targets: ['redis-node'],
    topologies: ['cluster'],
    description: 'redis[k] (cluster): move `share` of all slots to master k, live.',
  },
  'remove-node': {
    targets: ['redis-node'],
    topologies: ['nodes'],
    description: 'redis[k] (hash-ring): the node leaves the ring (its keys migrated first if the backend says so).',
  },
  'add-node': {
    targets: ['redis'],
    topologies: ['nodes'],
    description:
      'redis (hash-ring): a new node joins the ring (the keys it takes over migrated if the backend says so).',
  },
};

/** Parameters of process actions: the actions each goes with, its field and its default. */
export const PROCESS_PARAMS = {
  grace: {
    with: ['stop'],
    field: () => durationMs({ max: 24 * 3_600_000 }),
    default: 2000,
    description: 'stop: how long a stopping instance may take (default 2s).',
  },
  restartAfter: {
    with: ['kill', 'stop', 'failover'],
    field: () => durationMs({ max: 24 * 3_600_000 }),
    default: null,
    description: 'kill/stop/failover: start the instance or node again after this long.',
  },
  share: {
    with: ['reshard'],
    field: () => probability(),
    default: 1 / 3,
    description: 'reshard: the share of all slots to move (default a third).',
  },
} as const;
