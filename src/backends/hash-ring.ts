/**
 * Sessions spread over N standalone Redis nodes by a consistent-hash ring with virtual nodes, the
 * session cluster of a cache tier: through twemproxy (one nutcracker with ketama hashing in front of
 * the nodes) or by each instance's own client on the same ring. Nodes leave and join during a run
 * (`remove-node`, `add-node` faults), with or without their keys being migrated (`migrate`). The store is the
 * `redis` one: GET and SET with the TTL on the node that owns the key.
 */
import * as z from 'zod';
import { int } from '../util/fields.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import { RedisStore } from './redis.js';
import type { BackendDefinition, RingMemberStore, RingNode, StoreContext } from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'new-session']),
  nodes: int(1).max(16).default(4).describe('Redis nodes on the ring.'),
  via: z
    .enum(['twemproxy', 'client'])
    .default('twemproxy')
    .describe('twemproxy: a nutcracker proxy hashes (ketama); client: each instance hashes on the same ring.'),
  vnodes: int(1)
    .max(1000)
    .default(160)
    .describe('Virtual nodes (points) per node on the ring; twemproxy always uses 160.'),
  migrate: z
    .boolean()
    .default(true)
    .describe('When a node leaves or joins, copy the keys that change node first (else their sessions are lost).'),
};
type Options = z.output<z.ZodObject<typeof options>>;

export class HashRingStore extends RedisStore implements RingMemberStore {
  constructor(ctx: StoreContext, opts: Options) {
    super(ctx, opts, 'hash-ring');
  }

  setRing(nodes: readonly RingNode[]): void {
    this.route.setRing(nodes);
  }
}

export const hashRingBackend = {
  name: 'hash-ring',
  description:
    'Standalone Redis nodes on a consistent-hash ring (twemproxy ketama or client-side); nodes join and leave.',
  routing: 'any',
  usesRedis: true,
  versionCookie: false,
  options,
  redisTopology: (o) => ({
    kind: 'nodes',
    count: o.nodes,
    via: o.via,
    vnodes: o.via === 'twemproxy' ? 160 : o.vnodes,
    migrate: o.migrate,
  }),
  create: (ctx, opts) => new HashRingStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
