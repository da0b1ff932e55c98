/**
 * Checks across fields that each field's own schema can't see: faults inside the run's timeline,
 * and message sizes the service will accept. Each problem is placed at the key it belongs to.
 */
import type { ScenarioIssue } from '../errors.js';
import type { FaultSpec } from '../faults/schema.js';
import { formatDurationMs } from '../util/units.js';
import { type Positions, formatPath } from './document.js';
import type { ScenarioSchema } from './schema.js';
import type * as z from 'zod';

/** Room a turn request needs around the message itself (ids, JSON punctuation, model time). */
export const TURN_ENVELOPE_BYTES = 512;

type Parsed = z.output<typeof ScenarioSchema>;

export function crossChecks(s: Parsed, faults: readonly FaultSpec[], pos: Positions): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  const at = (path: (string | number)[], key: string, message: string) =>
    out.push({ ...pos.value([...path, key]), path: formatPath([...path, key]), message });
  const loadEndMs = s.load.warmup + s.load.phases.reduce((sum, p) => sum + p.duration, 0);
  const runEndMs = loadEndMs + s.load.drain;
  faults.forEach((f, i) => {
    if (f.atMs >= loadEndMs) {
      at(
        ['faults', i],
        'at',
        `expected a time before the load ends at ${formatDurationMs(loadEndMs)}, got ${formatDurationMs(f.atMs)}`,
      );
      return;
    }
    const restartAfter = f.action.kind === 'kill' || f.action.kind === 'stop' ? f.action.restartAfterMs : null;
    const span = f.durationMs ?? restartAfter;
    if (span !== null && span !== undefined && f.atMs + span > runEndMs) {
      const key = f.durationMs !== undefined ? 'duration' : 'restartAfter';
      at(
        ['faults', i],
        key,
        `the fault would end at ${formatDurationMs(f.atMs + span)}, ` +
          `after the run ends at ${formatDurationMs(runEndMs)}` +
          ` (load and drain); shorten it, or leave ${key} out to last to the end`,
      );
    }
  });
  const room = s.cluster.service.maxBodyBytes - TURN_ENVELOPE_BYTES;
  if (s.load.conversation.messageBytes.max > room) {
    at(
      ['load', 'conversation'],
      'messageBytes',
      `expected messages of at most ${room} bytes (cluster.service.maxBodyBytes less ${TURN_ENVELOPE_BYTES} for the ` +
        `turn's envelope), got up to ${s.load.conversation.messageBytes.max}: every such turn would get 413`,
    );
  }
  return out;
}
