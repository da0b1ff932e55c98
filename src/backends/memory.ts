import { LocalStore } from './local-store.js';
import { localOptions } from './options.js';
import type { BackendDefinition } from './types.js';

/** Each instance keeps its own sessions; any instance may get any request. */
export const memoryBackend = {
  name: 'memory',
  description: "Sessions in each instance's own memory; no sharing, so a turn on another instance finds nothing.",
  routing: 'any',
  usesRedis: false,
  versionCookie: false,
  options: localOptions,
  create: (_ctx, opts) => new LocalStore(opts.capacity),
} satisfies BackendDefinition<typeof localOptions>;
