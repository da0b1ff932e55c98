/**
 * Redis Cluster: sessions spread over N masters by hash slot, each master with R replicas that take
 * over when it dies (after the cluster's node timeout). The store is the `redis` one (GET, SET with
 * the TTL) on ioredis' cluster client, which follows MOVED and ASK redirects and the slot map.
 * Replication is asynchronous: a master that dies may take acknowledged writes with it. With
 * `waitReplicas` every SET is followed by WAIT on the master that took it, and a write fewer
 * replicas acknowledged in time fails (503) instead of being acknowledged: slower, and nothing
 * acknowledged is lost in a failover. WAIT blocks that master's connection meanwhile: keep
 * `waitTimeout` well under `commandTimeout`.
 */
import { Cluster } from 'ioredis';
import type * as z from 'zod';
import { keySlot } from '../util/crc16.js';
import { durationMs, int } from '../util/fields.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import type { RedisClient } from './redis-client.js';
import { RedisStore } from './redis.js';
import type { BackendDefinition, StoreContext } from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'new-session']),
  masters: int(3)
    .max(16)
    .default(3)
    .describe('Masters; the slots are split evenly (3 or more, so a failover can be voted).'),
  replicas: int(0).max(3).default(1).describe('Replicas per master.'),
  nodeTimeout: durationMs()
    .prefault('2s')
    .describe('cluster-node-timeout: how long a master may be unreachable before its replica takes over.'),
  waitReplicas: int(0)
    .default(0)
    .describe('After each write, WAIT for this many replicas to acknowledge it; 0: asynchronous replication.'),
  waitTimeout: durationMs()
    .prefault('200ms')
    .describe('How long WAIT may take before the write fails (it blocks the connection meanwhile).'),
};
type Options = z.output<z.ZodObject<typeof options>>;

export class ClusterStore extends RedisStore {
  constructor(
    ctx: StoreContext,
    protected override readonly opts: Options,
  ) {
    super(ctx, opts, 'redis-cluster');
  }

  protected override async setCommand(c: RedisClient, id: string, data: Buffer, baseVersion: number): Promise<unknown> {
    const reply = await super.setCommand(c, id, data, baseVersion);
    const { waitReplicas, waitTimeout } = this.opts;
    if (waitReplicas === 0 || !(c instanceof Cluster)) return reply;
    // WAIT has no key: send it on the connection the SET went through, to the master that now
    // owns the key's slot (after any redirect), whose replicas must acknowledge it.
    const owner = c.slots[keySlot(this.prefix + id)]?.[0];
    const node = c.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    if (!node) throw new Error(`WAIT: no connection to the master of ${this.prefix + id}`);
    const acked = await node.wait(waitReplicas, waitTimeout);
    if (acked < waitReplicas)
      throw new Error(`WAIT: ${acked} of ${waitReplicas} replicas acknowledged within ${waitTimeout} ms`);
    return reply;
  }
}

export const redisClusterBackend = {
  name: 'redis-cluster',
  description:
    'Redis Cluster (masters with replicas, hash slots); failover after the node timeout; optional WAIT per write.',
  routing: 'any',
  usesRedis: true,
  versionCookie: false,
  options,
  redisTopology: (o) => ({ kind: 'cluster', masters: o.masters, replicas: o.replicas, nodeTimeoutMs: o.nodeTimeout }),
  create: (ctx, opts) => new ClusterStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
