import { param } from './params.js';
import { type ToxicDefinition, waitOrRemoved } from './types.js';

const params = {
  rate: param.kbPerSec('Throughput limit.').required(),
};

/** Limits a connection to `rate` KB/s (Toxiproxy `bandwidth`). */
export const bandwidthToxic = {
  name: 'bandwidth',
  description: 'Limit throughput to rate KB/s.',
  params,
  form: { key: 'bandwidth', value: 'rate' },
  links: ['redis', 'peers', 'clients'],
  label: (p) => `bandwidth ${p.rate}KB/s`,
  create: (p) => ({
    newState: () => ({ freeAt: 0 }),
    async pipe(chunk, stub) {
      // Each chunk occupies the link for its size / rate, after the previous one.
      const start = Math.max(performance.now(), stub.state.freeAt);
      stub.state.freeAt = start + chunk.data.length / p.rate;
      await waitOrRemoved(stub.state.freeAt - performance.now(), stub);
      return [chunk.data];
    },
  }),
} satisfies ToxicDefinition<typeof params, { freeAt: number }>;
