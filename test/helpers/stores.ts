import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { backends } from '../../src/backends/registry.js';
import type { BackendDefinition, SessionStore } from '../../src/backends/types.js';
import type { RedisServer } from '../../src/cluster/redis.js';

export const SECRET = 'c'.repeat(64);

/** Options of a backend with every default applied, plus overrides. */
export function defaultOptions(def: BackendDefinition<any>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return z.strictObject(def.options).parse(overrides) as Record<string, unknown>;
}

/** A store as an instance would build it, with its keys under a prefix of its own. */
export function makeStore(
  name: keyof typeof backends,
  redis: RedisServer | undefined,
  opts: { index?: number; prefix?: string; options?: Record<string, unknown> } = {},
): SessionStore {
  const def = backends[name] as BackendDefinition<any>;
  return def.create(
    {
      instanceIndex: opts.index ?? 0,
      instanceCount: 2,
      secret: SECRET,
      ...(def.usesRedis && redis ? { redis: { host: redis.host, port: redis.port, keyPrefix: opts.prefix ?? `test:${randomBytes(4).toString('hex')}:` } } : {}),
    },
    defaultOptions(def, opts.options),
  );
}
