/**
 * Every toxic by its Toxiproxy name. Adding one: a file in this folder exporting a
 * `ToxicDefinition`, and one line here; the contract suite tests it at once.
 */
import { bandwidthToxic } from './bandwidth.js';
import { downToxic } from './down.js';
import { latencyToxic } from './latency.js';
import { limitDataToxic } from './limit-data.js';
import { redisCommandToxic } from './redis-command.js';
import { resetPeerToxic } from './reset-peer.js';
import { slicerToxic } from './slicer.js';
import { timeoutToxic } from './timeout.js';
import type { ToxicDefinition } from './types.js';

export const toxics = {
  latency: latencyToxic,
  bandwidth: bandwidthToxic,
  timeout: timeoutToxic,
  reset_peer: resetPeerToxic,
  slicer: slicerToxic,
  limit_data: limitDataToxic,
  down: downToxic,
  redis_command: redisCommandToxic,
} satisfies Record<string, ToxicDefinition<any>>;

export type ToxicName = keyof typeof toxics;
