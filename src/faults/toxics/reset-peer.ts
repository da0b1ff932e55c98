import * as z from 'zod';
import type { ToxicDefinition } from './types.js';

const params = {
  /** ms before the reset; 0 resets at once. */
  timeout: z.number().min(0).default(0),
};

/** Resets the connection with a TCP RST, at once or after a timeout (Toxiproxy `reset_peer`). */
export const resetPeerToxic = {
  name: 'reset_peer',
  description: 'Reset the connection (TCP RST) after timeout ms.',
  params,
  create: (p) => ({
    attach(stub) {
      const t = setTimeout(() => stub.reset(), p.timeout);
      void stub.removed.then(() => clearTimeout(t));
    },
    pipe: (chunk) => [chunk.data],
  }),
} satisfies ToxicDefinition<typeof params>;
