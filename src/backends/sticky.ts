import { LocalStore } from './local-store.js';
import { localOptions } from './options.js';
import type { BackendDefinition } from './types.js';

/** Local memory, and the balancer keeps each session on one instance. */
export const stickyBackend = {
  name: 'sticky',
  description: 'Local memory plus session affinity at the balancer; an instance crash loses its sessions.',
  routing: 'affinity',
  usesRedis: false,
  versionCookie: false,
  options: localOptions,
  create: (_ctx, opts) => new LocalStore(opts.capacity),
} satisfies BackendDefinition<typeof localOptions>;
