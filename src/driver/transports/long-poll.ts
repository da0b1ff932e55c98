/** Long polling: submit the turn, then wait on a request the service holds until the reply is ready (polling.ts). */
import { PollingTransport } from './polling.js';
import type { Transport, TransportOptions } from './types.js';

export const createLongPollTransport = (opts: TransportOptions): Transport => new PollingTransport(opts, 'long-poll');
