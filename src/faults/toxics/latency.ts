import * as z from 'zod';
import { type ToxicDefinition, waitOrRemoved } from './types.js';

const params = {
  /** ms added to each chunk, measured from when the proxy read it. */
  latency: z.number().min(0),
  /** ms of uniform jitter around the latency (±). */
  jitter: z.number().min(0).default(0),
};

/** Passes data through after latency ± jitter (Toxiproxy `latency`). */
export const latencyToxic = {
  name: 'latency',
  description: 'Delay every chunk by latency ± jitter milliseconds.',
  params,
  create: (p) => ({
    async pipe(chunk, stub) {
      const delay = p.latency + (p.jitter > 0 ? (stub.random() * 2 - 1) * p.jitter : 0);
      await waitOrRemoved(chunk.at + delay - performance.now(), stub);
      return [chunk.data];
    },
  }),
} satisfies ToxicDefinition<typeof params>;
