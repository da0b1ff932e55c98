import { param } from './params.js';
import type { ToxicDefinition } from './types.js';

const params = {
  timeout: param.ms('Time after which the connection is closed; 0 holds it open until the fault ends.').default(0),
};

/**
 * A stall (Toxiproxy `timeout`): no data gets through while the toxic is active. Unlike
 * Toxiproxy, held data is not dropped: it flows, in order, when the toxic is removed, so a stalled
 * Redis connection resumes in sync. With a timeout the connection is closed after that long.
 */
export const timeoutToxic = {
  name: 'timeout',
  description: 'Hold all data; close the connection after timeout ms (0: hold until the fault ends).',
  params,
  form: { key: 'timeout', value: 'timeout' },
  links: ['redis', 'peers', 'clients'],
  label: () => 'stall',
  create: (p) => ({
    attach(stub) {
      if (p.timeout <= 0) return;
      const t = setTimeout(() => stub.close(), p.timeout);
      void stub.removed.then(() => clearTimeout(t));
    },
    async pipe(chunk, stub) {
      await stub.removed;
      return [chunk.data];
    },
  }),
} satisfies ToxicDefinition<typeof params>;
