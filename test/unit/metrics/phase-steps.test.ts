/**
 * Phases beyond the plain fault plan: capacity steps, a fault that lasts to the end of the run, the
 * phase name the progress line shows, what goes to the run's series, and impactAt at its edges.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedFault } from '../../../src/faults/plan.js';
import { PhasedRecorder, type PhaseWindow, phaseWindows, stepWindows } from '../../../src/metrics/phases.js';
import type { TurnResult } from '../../../src/metrics/recorder.js';

const fault = (index: number, name: string, atMs: number, endMs: number | null): PlannedFault => ({
  index, name, target: 'redis', resolvedTarget: { kind: 'redis' }, action: { kind: 'restart' }, atMs, endMs,
});

function turn(conversation: number, intendedMs: number, outcome: TurnResult['outcome'] = 'intact'): TurnResult {
  return {
    conversation, measured: true, outcome, latencyMs: 10, serviceMs: 10, late: false, hadContext: true,
    hadCookie: true, lagTurns: 0, recovered: 0, doneMs: intendedMs + 10, intendedMs,
    ...(outcome === 'fail' || outcome === 'info' ? { errorKind: 'refused' } : {}),
  };
}

/** A PhasedRecorder over these windows (or the phases of these faults), destroyed after fn. */
function withRecorder(windows: PhaseWindow[] | PlannedFault[], fn: (r: PhasedRecorder) => void): void {
  const isFaults = (w: PhaseWindow[] | PlannedFault[]): w is PlannedFault[] => w.length > 0 && 'atMs' in w[0]!;
  const rec = new PhasedRecorder(isFaults(windows) ? phaseWindows(windows, 0) : windows);
  try {
    fn(rec);
  } finally {
    rec.destroy();
  }
}

const turnsIn = (rec: PhasedRecorder) => Object.fromEntries(rec.phases.map((p) => [p.window.name, p.recorder.turns]));

describe('stepWindows', () => {
  it('one window per step, named by its rate, back to back from the end of the warmup', () => {
    expect(stepWindows([{ duration: 5000, arrivalRate: 10 }, { duration: 3000, arrivalRate: 20.5 }], 2000)).toEqual([
      { name: '10/s', kind: 'step', startMs: 2000, endMs: 7000 },
      { name: '20.5/s', kind: 'step', startMs: 7000, endMs: 10_000 },
    ]);
  });

  it('a turn goes to the step it was sent in', () => {
    const steps = stepWindows([1, 2, 3].map((arrivalRate) => ({ duration: 1000, arrivalRate })), 0);
    withRecorder(steps, (rec) => {
      for (const ms of [0, 500, 999, 1000, 2500]) rec.record(turn(ms, ms));
      expect(turnsIn(rec)).toEqual({ '1/s': 3, '2/s': 1, '3/s': 1 });
      expect(rec.phaseNameAt(1500)).toBe('2/s');
    });
  });
});

describe('PhasedRecorder', () => {
  it('sends turns before the first fault to baseline and after every end to recovery, in any number', () => {
    withRecorder([fault(0, 'a', 5000, 6000)], (rec) => {
      for (const ms of [0, 1, 2, 4999]) rec.record(turn(ms, ms));
      rec.record(turn(9, 7000));
      expect(turnsIn(rec)).toEqual({ baseline: 4, a: 0, recovery: 1 });
    });
  });

  it('a fault without an end takes every turn from its start on', () => {
    withRecorder([fault(0, 'forever', 1000, null)], (rec) => {
      for (const ms of [500, 1000, 60_000]) rec.record(turn(ms, ms));
      expect(turnsIn(rec)).toEqual({ baseline: 1, forever: 2, recovery: 0 });
      expect(rec.phaseNameAt(60_000)).toBe('forever');
    });
  });

  it('names the phase at a time: baseline, the first covering fault, recovery; nothing without faults', () => {
    withRecorder([fault(0, 'a', 5000, 8000), fault(1, 'b', 6000, 10_000)], (rec) => {
      const at = [0, 4999, 5000, 6000, 7999, 8000, 9999, 10_000, 60_000].map((t) => rec.phaseNameAt(t));
      expect(at).toEqual(['baseline', 'baseline', 'a', 'a', 'a', 'b', 'b', 'recovery', 'recovery']);
    });
    withRecorder([], (rec) => {
      expect(rec.phaseNameAt(0)).toBeUndefined();
      rec.record(turn(1, 100));
      expect(rec.overall.turns).toBe(1);
      expect(rec.impactAt(0)).toEqual({ active: 0, lostContext: 0 });
    });
  });

  it('keeps the per-second series for the whole run only', () => {
    withRecorder([fault(0, 'a', 1000, 2000)], (rec) => {
      rec.record(turn(1, 1500));
      expect(rec.overall.series().map((s) => s.turns)).toEqual([0, 1]);
      expect(rec.phases.map((p) => p.recorder.series())).toEqual([[], [], []]);
      expect(rec.state().phases.map((p) => p.seconds)).toEqual([[], [], []]);
    });
  });

  it('conversations started are counted for the run', () => {
    withRecorder([fault(0, 'a', 1000, 2000)], (rec) => {
      rec.conversationStarted(true);
      rec.conversationStarted(false);
      expect(rec.overall.state().tallies[6]).toBe(1);
    });
  });
});

describe('impactAt at its edges', () => {
  it('an answer exactly at the fault counts, a loss exactly at it counts, a loss before it does not', () => {
    withRecorder([fault(0, 'a', 5000, 8000)], (rec) => {
      rec.record(turn(1, 4000));
      rec.record(turn(1, 5000));
      rec.record(turn(2, 4000));
      rec.record(turn(2, 5000, 'lost'));
      rec.record(turn(3, 4000));
      rec.record(turn(3, 4999, 'lost'));
      rec.record(turn(3, 5000));
      rec.record(turn(4, 4000));
      rec.record(turn(4, 6000, 'lost'));
      expect(rec.impactAt(5000)).toEqual({ active: 4, lostContext: 2 });
    });
  });

  it('a turn that got no answer (fail or info) shows nothing, even the first', () => {
    withRecorder([fault(0, 'a', 5000, 8000)], (rec) => {
      rec.record(turn(1, 0, 'fail'));
      rec.record(turn(2, 4000));
      rec.record(turn(2, 6000, 'info'));
      expect(rec.impactAt(1)).toEqual({ active: 0, lostContext: 0 });
      expect(rec.impactAt(5000)).toEqual({ active: 0, lostContext: 0 });
    });
  });
});

describe('merge', () => {
  it('adds another share phase by phase, ignoring phases it does not have', () => {
    const windows = phaseWindows([fault(0, 'a', 1000, 2000)], 0);
    const one = new PhasedRecorder(windows);
    const other = new PhasedRecorder(windows);
    try {
      one.record(turn(1, 500));
      other.record(turn(2, 1500));
      other.record(turn(2, 2500));
      const state = other.state();
      one.merge({ ...state, phases: [...state.phases, state.phases[0]!] });
      expect(turnsIn(one)).toEqual({ baseline: 1, a: 1, recovery: 1 });
      expect(one.overall.turns).toBe(3);
    } finally {
      one.destroy();
      other.destroy();
    }
  });
});
