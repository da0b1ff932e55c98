/**
 * What a fault's `target` names, and whether the Redis deployments of a scenario's backends have
 * it: an instance (`instance[k]`, `random-instance`) or its peer links (`.peers`), every Redis link
 * (`redis`), one Redis node (`redis[k]`) or its replica (`redis[k].replica`), or the subscriber link
 * of a backend that has one (`redis.pubsub`), or the driver's links to every instance (`clients`) or to one
 * (`instance[k].clients`).
 */
import type { RedisTopologyKind } from '../results/topology.js';

export const TARGET_RE =
  /^(redis(\[\d+\](\.replica)?|\.pubsub)?|clients|(instance\[\d+\]|random-instance)(\.peers|\.clients)?)$/;

export const TARGET_TEXT =
  'expected redis, instance[k], random-instance, clients, instance[k].clients, instance[k].peers, ' +
  'random-instance.peers, redis[k], redis[k].replica or redis.pubsub';

export type TargetKind = 'redis' | 'redis-node' | 'redis-pubsub' | 'instance' | 'peers' | 'clients';

export type ParsedTarget =
  | { kind: 'redis' | 'redis-pubsub' }
  | { kind: 'redis-node'; index: number; replica: boolean }
  | { kind: 'instance'; index: number | 'random' }
  | { kind: 'peers'; index: number | 'random' }
  /** The driver's links to one instance, or to every instance (index null). */
  | { kind: 'clients'; index: number | 'random' | null };

/** A target that matched TARGET_RE, taken apart. */
export function parseTarget(target: string): ParsedTarget {
  if (target === 'redis') return { kind: 'redis' };
  if (target === 'redis.pubsub') return { kind: 'redis-pubsub' };
  if (target === 'clients') return { kind: 'clients', index: null };
  const node = /^redis\[(\d+)\](\.replica)?$/.exec(target);
  if (node) return { kind: 'redis-node', index: Number(node[1]), replica: node[2] !== undefined };
  const inst = /^(?:instance\[(\d+)\]|random-instance)(\.peers|\.clients)?$/.exec(target)!;
  const index = inst[1] === undefined ? 'random' : Number(inst[1]);
  if (inst[2] === '.clients') return { kind: 'clients', index };
  return inst[2] ? { kind: 'peers', index } : { kind: 'instance', index };
}

/** The Redis deployment of one backend of the scenario, as fault checks need it. */
export interface RedisShape {
  /** The backend's label. */
  label: string;
  kind: RedisTopologyKind;
  /** Nodes a `redis[k]` target can name: masters, ring nodes, 1 for one server or Sentinel's master. */
  nodes: number;
  /** Replicas per node. */
  replicas: number;
  /** It has a subscriber link (`redis.pubsub`). */
  pubsub: boolean;
}

const KIND_TEXT: Record<RedisTopologyKind, string> = {
  single: 'one server',
  cluster: 'a Redis Cluster',
  sentinel: 'Sentinel',
  nodes: 'a hash ring',
};

const listShapes = (shapes: readonly RedisShape[]) =>
  shapes.length
    ? shapes
        .map((s) => `${s.label} (${KIND_TEXT[s.kind]}${s.kind === 'single' ? '' : `, redis[0..${s.nodes - 1}]`})`)
        .join(', ')
    : 'none';

/**
 * Why no backend of the scenario has what a Redis target names, or what an action on it needs
 * (`topologies`: the deployments the action exists for); undefined when one has it.
 */
export function redisTargetProblem(
  target: ParsedTarget,
  text: string,
  action: string,
  topologies: readonly RedisTopologyKind[] | undefined,
  shapes: readonly RedisShape[],
): { key: 'target' | 'action'; message: string } | undefined {
  if (target.kind === 'redis-pubsub' && !shapes.some((s) => s.pubsub)) {
    return {
      key: 'target',
      message: `expected a backend with a subscriber link (near-cache) for redis.pubsub, got ${listShapes(shapes)}`,
    };
  }
  if (target.kind === 'redis-node') {
    const most = Math.max(0, ...shapes.map((s) => s.nodes));
    if (target.index >= most) {
      const sizes = shapes.map((s) => `${s.label}: ${s.nodes}`).join(', ');
      return {
        key: 'target',
        message:
          most === 0
            ? `expected a backend that uses Redis for ${text}, got none`
            : `expected redis[0]..redis[${most - 1}] (nodes per backend: ${sizes}), got ${text}`,
      };
    }
    if (target.replica && !shapes.some((s) => s.replicas > 0 && target.index < s.nodes)) {
      return { key: 'target', message: `expected a backend with replicas for ${text}, got ${listShapes(shapes)}` };
    }
  }
  if (!topologies) return undefined;
  const fits = shapes.filter(
    (s) => topologies.includes(s.kind) && (target.kind !== 'redis-node' || target.index < s.nodes),
  );
  if (fits.length === 0) {
    const needs = topologies.map((k) => KIND_TEXT[k]).join(' or ');
    return {
      key: 'action',
      message:
        `expected a backend on ${needs}${target.kind === 'redis-node' ? ` with ${text}` : ''} for ${action}, ` +
        `got ${listShapes(shapes)}`,
    };
  }
  if (action === 'failover' && !fits.some((s) => s.replicas > 0)) {
    return { key: 'action', message: `expected a backend with replicas for failover, got ${listShapes(shapes)}` };
  }
  return undefined;
}
