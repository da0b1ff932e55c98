/**
 * Every toxic by its Toxiproxy name. Adding one: a file in this folder exporting a
 * `ToxicDefinition`, and one line here. The scenario's fault keys, their JSON Schema and the fault
 * plan are derived from this registry, and the contract suite tests the new toxic at once.
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
} satisfies Record<string, ToxicDefinition>;

export type ToxicName = keyof typeof toxics;
export const toxicNames = Object.keys(toxics) as ToxicName[];

/** The toxic registered under `name`, typed by the toxic contract; undefined for an unknown name. */
export function getToxic(name: string): ToxicDefinition | undefined {
  return Object.hasOwn(toxics, name) ? (toxics[name as ToxicName] as ToxicDefinition) : undefined;
}
