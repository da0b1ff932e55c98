/**
 * Redis behind Sentinel: one master and its replicas, watched by Sentinels that promote a replica
 * when the master has been down for `downAfter` and a quorum agrees. The instances ask the
 * Sentinels where the master is (through fault proxies, as every link) and follow a failover.
 * The store is the `redis` one: GET and SET with the TTL.
 */
import type * as z from 'zod';
import { durationMs, int } from '../util/fields.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import { RedisStore } from './redis.js';
import type { BackendDefinition } from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'new-session']),
  replicas: int(1).max(4).default(2).describe('Replicas of the master.'),
  sentinels: int(1).max(7).default(3).describe('Sentinels; the quorum is a majority of them.'),
  downAfter: durationMs()
    .prefault('1s')
    .describe('down-after-milliseconds: how long the master may not answer before a Sentinel calls it down.'),
};
type Options = z.output<z.ZodObject<typeof options>>;

export const redisSentinelBackend = {
  name: 'redis-sentinel',
  description: 'Redis master with replicas and Sentinels; the instances follow the master through a failover.',
  routing: 'any',
  usesRedis: true,
  versionCookie: false,
  options,
  redisTopology: (o: Options) => ({
    kind: 'sentinel',
    replicas: o.replicas,
    sentinels: o.sentinels,
    downAfterMs: o.downAfter,
  }),
  create: (ctx, opts) => new RedisStore(ctx, opts, 'redis-sentinel'),
} satisfies BackendDefinition<typeof options>;
