import { param } from './params.js';
import type { ToxicDefinition } from './types.js';

const params = {
  bytes: param
    .bytes('Bytes let through (per connection and direction, from when the toxic started) before closing.')
    .required(),
};

/** Closes the connection once `bytes` have passed (Toxiproxy `limit_data`). */
export const limitDataToxic = {
  name: 'limit_data',
  description: 'Close the connection after bytes have been transmitted.',
  params,
  form: { key: 'limit_data', value: 'bytes' },
  links: ['redis', 'peers', 'clients'],
  label: (p) => `limit ${p.bytes}B`,
  create: (p) => ({
    newState: () => ({ passed: 0 }),
    attach(stub) {
      if (p.bytes === 0) stub.close();
    },
    pipe(chunk, stub) {
      const room = p.bytes - stub.state.passed;
      if (room <= 0) return [];
      if (chunk.data.length < room) {
        stub.state.passed += chunk.data.length;
        return [chunk.data];
      }
      stub.state.passed = p.bytes;
      // Let the last allowed bytes out before the connection closes.
      setImmediate(() => stub.close());
      return [chunk.data.subarray(0, room)];
    },
  }),
} satisfies ToxicDefinition<typeof params, { passed: number }>;
