/**
 * Every backend by name. Adding one: a file in this folder exporting a `BackendDefinition`, and one
 * line here. Names are kebab-case and match the file name.
 */
import { memoryBackend } from './memory.js';
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
} satisfies Record<string, BackendDefinition>;

export type BackendName = keyof typeof backends;
export const backendNames = Object.keys(backends) as BackendName[];

export function getBackend(name: string): BackendDefinition | undefined {
  return Object.hasOwn(backends, name) ? backends[name as BackendName] : undefined;
}
