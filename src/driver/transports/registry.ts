import { HttpTransport } from './http.js';
import type { Transport, TransportOptions } from './types.js';

/** Every transport by the name a scenario uses in `load.transport`. */
export const transports = {
  http: (opts: TransportOptions): Transport => new HttpTransport(opts),
} satisfies Record<string, (opts: TransportOptions) => Transport>;
