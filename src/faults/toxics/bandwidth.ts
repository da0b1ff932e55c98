import * as z from 'zod';
import { type ToxicDefinition, waitOrRemoved } from './types.js';

const params = {
  /** KB per second (Toxiproxy's unit). */
  rate: z.number().positive(),
};

/** Limits a connection to `rate` KB/s (Toxiproxy `bandwidth`). */
export const bandwidthToxic = {
  name: 'bandwidth',
  description: 'Limit throughput to rate KB/s.',
  params,
  create: (p) => ({
    newState: () => ({ freeAt: 0 }),
    async pipe(chunk, stub) {
      // Each chunk occupies the link for its size / rate, after the previous one.
      const state = stub.state as { freeAt: number };
      const start = Math.max(performance.now(), state.freeAt);
      state.freeAt = start + chunk.data.length / p.rate;
      await waitOrRemoved(state.freeAt - performance.now(), stub);
      return [chunk.data];
    },
  }),
} satisfies ToxicDefinition<typeof params>;
