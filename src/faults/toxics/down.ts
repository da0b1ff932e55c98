import type { ToxicDefinition } from './types.js';

const params = {};

/** The link is down: open connections are closed and new ones refused (Toxiproxy's disabled proxy). */
export const downToxic = {
  name: 'down',
  description: 'Close open connections and refuse new ones.',
  params,
  form: { key: 'down', flag: true },
  links: ['redis', 'peers', 'clients'],
  wholeLink: true,
  label: () => 'down',
  create: () => ({
    refusesConnections: true,
    attach(stub) {
      stub.close();
    },
    pipe: () => [],
  }),
} satisfies ToxicDefinition<typeof params>;
