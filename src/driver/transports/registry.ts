/**
 * Every transport by the name a scenario uses in `load.transport` (src/scenario/transport.ts lists
 * the same names; a contract test keeps them equal).
 */
import { HttpTransport } from './http.js';
import { createLongPollTransport } from './long-poll.js';
import { createPollTransport } from './poll.js';
import { SseTransport } from './sse.js';
import type { Transport, TransportOptions } from './types.js';
import { WebSocketTransport } from './websocket.js';

export const transports = {
  http: (opts: TransportOptions): Transport => new HttpTransport(opts),
  sse: (opts: TransportOptions): Transport => new SseTransport(opts),
  websocket: (opts: TransportOptions): Transport => new WebSocketTransport(opts),
  'long-poll': createLongPollTransport,
  poll: createPollTransport,
} satisfies Record<string, (opts: TransportOptions) => Transport>;
