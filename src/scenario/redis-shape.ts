/** A backend's Redis deployment as the scenario's fault checks see it (src/faults/targets.ts). */
import type { RedisTopologySpec } from '../backends/types.js';
import type { RedisShape } from '../faults/schema.js';

/** What fault checks need to know of a backend's Redis deployment. */
export function redisShape(label: string, t: RedisTopologySpec): RedisShape {
  switch (t.kind) {
    case 'single':
      return { label, kind: t.kind, nodes: 1, replicas: 0, pubsub: t.pubsub === true };
    case 'cluster':
      return { label, kind: t.kind, nodes: t.masters, replicas: t.replicas, pubsub: false };
    case 'sentinel':
      return { label, kind: t.kind, nodes: 1, replicas: t.replicas, pubsub: false };
    case 'nodes':
      return { label, kind: t.kind, nodes: t.count, replicas: 0, pubsub: false };
  }
}
