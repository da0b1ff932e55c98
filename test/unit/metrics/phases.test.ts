/**
 * Fault phases: the windows a plan makes, which phase a turn belongs to (by its intended send
 * time, boundaries included), and which conversations a fault hit.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedFault } from '../../../src/faults/plan.js';
import { PhasedRecorder, phaseWindows } from '../../../src/metrics/phases.js';
import type { TurnResult } from '../../../src/metrics/recorder.js';

const fault = (index: number, name: string, atMs: number, endMs: number | null): PlannedFault => ({
  index, name, target: 'redis', resolvedTarget: { kind: 'redis' }, action: { kind: 'restart' }, atMs, endMs,
});

function turn(conversation: number, intendedMs: number, outcome: TurnResult['outcome'] = 'intact', measured = true): TurnResult {
  return {
    conversation, measured, outcome, latencyMs: 10, serviceMs: 10, late: false, hadContext: true, hadCookie: true,
    lagTurns: 0, recovered: 0, doneMs: intendedMs + 10, intendedMs,
    ...(outcome === 'fail' || outcome === 'info' ? { errorKind: 'refused' } : {}),
  };
}

describe('phaseWindows', () => {
  it('has no phases without faults', () => {
    expect(phaseWindows([], 1000)).toEqual([]);
  });

  it('makes a baseline up to the first fault, one window per fault, and a recovery after the last end', () => {
    expect(phaseWindows([fault(0, 'a', 5000, 8000), fault(1, 'b', 6000, 10_000)], 1000)).toEqual([
      { name: 'baseline', kind: 'baseline', startMs: 1000, endMs: 5000 },
      { name: 'a', kind: 'fault', startMs: 5000, endMs: 8000 },
      { name: 'b', kind: 'fault', startMs: 6000, endMs: 10_000 },
      { name: 'recovery', kind: 'recovery', startMs: 10_000, endMs: null },
    ]);
  });

  it('starts the recovery at the first fault when one lasts to the end, and the baseline at the first fault if it comes before the warmup ends', () => {
    const w = phaseWindows([fault(0, 'a', 500, null), fault(1, 'b', 2000, 3000)], 1000);
    expect(w[0]).toEqual({ name: 'baseline', kind: 'baseline', startMs: 500, endMs: 500 });
    expect(w.at(-1)).toEqual({ name: 'recovery', kind: 'recovery', startMs: 500, endMs: null });
  });
});

describe('PhasedRecorder', () => {
  const windows = phaseWindows([fault(0, 'a', 5000, 8000), fault(1, 'b', 6000, 10_000)], 0);
  const intendedIn = (rec: PhasedRecorder, name: string) => rec.phases.find((p) => p.window.name === name)!.recorder.turns;

  it('puts a turn in the phase of its intended send time; a window includes its start and excludes its end', () => {
    const rec = new PhasedRecorder(windows);
    try {
      const at = [0, 4999, 5000, 5500, 7999, 8000, 9999, 10_000, 60_000];
      at.forEach((ms, i) => rec.record(turn(i, ms)));
      expect(intendedIn(rec, 'baseline')).toBe(2); // 0, 4999
      // Where windows overlap, the turn belongs to the first fault that covers it.
      expect(intendedIn(rec, 'a')).toBe(3); // 5000, 5500, 7999
      expect(intendedIn(rec, 'b')).toBe(2); // 8000, 9999
      expect(intendedIn(rec, 'recovery')).toBe(2); // 10000, 60000
      expect(rec.overall.turns).toBe(at.length);
    } finally {
      rec.destroy();
    }
  });

  it('counts unmeasured (warmup) turns in no phase', () => {
    const rec = new PhasedRecorder(windows);
    try {
      rec.record(turn(1, 100, 'intact', false));
      rec.record(turn(1, 5100, 'lost', false));
      expect(rec.phases.map((p) => p.recorder.turns)).toEqual([0, 0, 0, 0]);
      expect(rec.overall.allTurns).toBe(2);
      expect(rec.impactAt(5000)).toEqual({ active: 0, lostContext: 0 });
    } finally {
      rec.destroy();
    }
  });

  it('impactAt: conversations with a turn before the fault and an answered turn after it, and which of them lost context after it', () => {
    const rec = new PhasedRecorder(windows);
    try {
      // 1: under way, loses context after the fault.
      rec.record(turn(1, 4000));
      rec.record(turn(1, 6000, 'lost'));
      // 2: starts exactly at the fault: not under way.
      rec.record(turn(2, 5000));
      rec.record(turn(2, 6000, 'lost'));
      // 3: its turns after the fault all failed: nothing shows what it kept.
      rec.record(turn(3, 3000));
      rec.record(turn(3, 5500, 'fail'));
      // 4: under way, keeps its context.
      rec.record(turn(4, 4000));
      rec.record(turn(4, 7000, 'stale'));
      // 5: lost context before the fault only.
      rec.record(turn(5, 2000));
      rec.record(turn(5, 4500, 'lost'));
      rec.record(turn(5, 6000));
      // 6: ended before the fault.
      rec.record(turn(6, 1000));
      rec.record(turn(6, 2000));
      expect(rec.impactAt(5000)).toEqual({ active: 3, lostContext: 1 });
      // Later faults see later conversations only.
      expect(rec.impactAt(6500)).toEqual({ active: 1, lostContext: 0 });
    } finally {
      rec.destroy();
    }
  });
});
