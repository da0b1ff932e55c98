/** Polling: submit the turn, then ask every `interval` until the reply is ready (see polling.ts). */
import { PollingTransport } from './polling.js';
import type { Transport, TransportOptions } from './types.js';

export const createPollTransport = (opts: TransportOptions): Transport => new PollingTransport(opts, 'poll');
