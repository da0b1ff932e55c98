import * as z from 'zod';
import type { ToxicDefinition } from './types.js';

const params = {
  /** Bytes let through (per connection and direction, from when the toxic started) before closing. */
  bytes: z.number().int().min(0),
};

/** Closes the connection once `bytes` have passed (Toxiproxy `limit_data`). */
export const limitDataToxic = {
  name: 'limit_data',
  description: 'Close the connection after bytes have been transmitted.',
  params,
  create: (p) => ({
    newState: () => ({ passed: 0 }),
    attach(stub) {
      if (p.bytes === 0) stub.close();
    },
    pipe(chunk, stub) {
      const state = stub.state as { passed: number };
      const room = p.bytes - state.passed;
      if (room <= 0) return [];
      if (chunk.data.length < room) {
        state.passed += chunk.data.length;
        return [chunk.data];
      }
      state.passed = p.bytes;
      // Let the last allowed bytes out before the connection closes.
      setImmediate(() => stub.close());
      return [chunk.data.subarray(0, room)];
    },
  }),
} satisfies ToxicDefinition<typeof params>;
