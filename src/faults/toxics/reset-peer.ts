import { param } from './params.js';
import type { ToxicDefinition } from './types.js';

const params = {
  timeout: param.ms('Time before the reset; 0 resets at once.').default(0),
};

/** Resets the connection with a TCP RST, at once or after a timeout (Toxiproxy `reset_peer`). */
export const resetPeerToxic = {
  name: 'reset_peer',
  description: 'Reset the connection (TCP RST) after timeout ms.',
  params,
  form: { key: 'reset_peer', value: 'timeout' },
  links: ['redis', 'peers', 'clients'],
  label: () => 'reset',
  create: (p) => ({
    attach(stub) {
      const t = setTimeout(() => stub.reset(), p.timeout);
      void stub.removed.then(() => clearTimeout(t));
    },
    pipe: (chunk) => [chunk.data],
  }),
} satisfies ToxicDefinition<typeof params>;
