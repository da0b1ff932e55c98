/**
 * Checks across fields that each field's own schema can't see: faults inside the run's timeline,
 * and message sizes the service will accept. Each problem is placed at the key it belongs to.
 */
import type { ScenarioIssue } from '../errors.js';
import type { FaultSpec } from '../faults/schema.js';
import { formatDurationMs } from '../util/units.js';
import { type Positions, formatPath } from './document.js';
import type { Phase, Scenario, ScenarioSchema } from './schema.js';
import type * as z from 'zod';

/** Room a turn request needs around the message itself (ids, JSON punctuation, model time). */
export const TURN_ENVELOPE_BYTES = 512;

type Parsed = z.output<typeof ScenarioSchema>;

/** The rates of a capacity search's steps: `count` evenly spaced from `from` to `to`. */
export function stepRates(steps: { from: number; to: number; count: number }): number[] {
  return Array.from(
    { length: steps.count },
    (_, i) => Math.round((steps.from + ((steps.to - steps.from) * i) / (steps.count - 1)) * 1000) / 1000,
  );
}

/**
 * The load's phases: as written, or one per step of a capacity search. Phases and steps exclude
 * each other; an SLO goes with steps; a capacity search runs without faults.
 */
export function resolvePhases(
  s: Parsed,
  faults: readonly FaultSpec[],
  pos: Positions,
): { phases: Phase[]; issues: ScenarioIssue[] } {
  const issues: ScenarioIssue[] = [];
  const at = (key: string, message: string) =>
    issues.push({ ...pos.key(['load'], key), path: formatPath(['load', key]), message });
  const { phases, steps, slo } = s.load;
  if (phases && steps) at('steps', 'expected phases or steps (a capacity search), not both');
  if (!phases && !steps)
    at('phases', 'required, but missing (expected a list of phases, or steps for a capacity search)');
  if (slo && !steps) at('slo', 'an slo goes with steps: it decides which step rates count as sustained');
  if (steps && !slo) at('steps', 'a capacity search needs an slo (p99 and errors) to tell a sustained step');
  if (steps && faults.length > 0) at('steps', 'a capacity search runs without faults');
  if (steps && steps.to <= steps.from) at('steps', `expected to > from, got from ${steps.from} and to ${steps.to}`);
  if (phases) return { phases, issues };
  return {
    phases: steps ? stepRates(steps).map((rate) => ({ duration: steps.duration, arrivalRate: rate })) : [],
    issues,
  };
}

export function crossChecks(s: Scenario, faults: readonly FaultSpec[], pos: Positions): ScenarioIssue[] {
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
