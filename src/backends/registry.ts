/**
 * Every backend by name. Adding one: a file in this folder exporting a `BackendDefinition`, and one
 * line here. Names are kebab-case and match the file name.
 */
import { hashRingBackend } from './hash-ring.js';
import { memoryBackend } from './memory.js';
import { nearCacheBackend } from './near-cache.js';
import { redisClusterBackend } from './redis-cluster.js';
import { redisSentinelBackend } from './redis-sentinel.js';
import { redisBackend } from './redis.js';
import { replicationBackend } from './replication.js';
import { stickyBackend } from './sticky.js';
import { twoTierBackend } from './two-tier.js';
import type { BackendDefinition } from './types.js';

export const backends = {
  memory: memoryBackend,
  sticky: stickyBackend,
  replication: replicationBackend,
  redis: redisBackend,
  'two-tier': twoTierBackend,
  'redis-cluster': redisClusterBackend,
  'redis-sentinel': redisSentinelBackend,
  'hash-ring': hashRingBackend,
  'near-cache': nearCacheBackend,
} satisfies Record<string, BackendDefinition>;

export type BackendName = keyof typeof backends;
export const backendNames = Object.keys(backends) as BackendName[];

/** The backends a scenario runs when it names none: the five reference strategies. */
export const defaultBackendNames: BackendName[] = ['memory', 'sticky', 'replication', 'redis', 'two-tier'];

export function getBackend(name: string): BackendDefinition | undefined {
  return Object.hasOwn(backends, name) ? backends[name as BackendName] : undefined;
}
