/**
 * The turn recorder: what each outcome adds to the counts and histograms, the per-second series,
 * warmup turns kept out of the figures, and the exact merge of driver threads' shares (--workers).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initHistograms } from '../../../src/metrics/histogram.js';
import { PhasedRecorder, phaseWindows } from '../../../src/metrics/phases.js';
import { Recorder, type RecorderState, type TurnResult } from '../../../src/metrics/recorder.js';
import { Prng } from '../../../src/util/prng.js';

beforeAll(() => initHistograms());

const OUTCOMES = ['intact', 'lost', 'stale', 'diverged', 'fail', 'info'] as const;

/** A recorder's state with its sets in order (a merge adds the threads' members in their order). */
function sorted(s: RecorderState): RecorderState {
  const order = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return { ...s, lostSessions: order(s.lostSessions), conversations: order(s.conversations) };
}

function turn(over: Partial<TurnResult> = {}): TurnResult {
  const outcome = over.outcome ?? 'intact';
  return {
    conversation: 0,
    measured: true,
    outcome,
    latencyMs: 10,
    serviceMs: 8,
    late: false,
    hadContext: true,
    hadCookie: true,
    lagTurns: outcome === 'stale' ? 2 : 0,
    recovered: 0,
    doneMs: 1500,
    intendedMs: 1490,
    ...(outcome === 'fail' || outcome === 'info' ? { errorKind: 'refused' } : {}),
    ...over,
  };
}

/** 600 seeded turns of 40 conversations over 6 seconds, every outcome among them. */
function turns(): TurnResult[] {
  const prng = new Prng(3, 'recorder-test');
  return Array.from({ length: 600 }, (_, i) => {
    const outcome = OUTCOMES[Math.floor(prng.next() * OUTCOMES.length)]!;
    const intendedMs = Math.floor(prng.next() * 6000);
    return turn({
      conversation: i % 40,
      measured: i % 10 !== 0,
      outcome,
      latencyMs: 1 + prng.next() * 400,
      serviceMs: 1 + prng.next() * 300,
      late: prng.next() < 0.1,
      hadContext: prng.next() < 0.8,
      hadCookie: prng.next() < 0.9,
      recovered: prng.next() < 0.05 ? 1 : 0,
      intendedMs,
      doneMs: intendedMs + 50,
    });
  });
}

describe('Recorder', () => {
  it('counts measured turns by outcome and keeps warmup turns out of every figure but the totals', () => {
    const r = new Recorder();
    r.conversationStarted(true);
    r.conversationStarted(false);
    r.record(turn());
    r.record(turn({ outcome: 'stale', conversation: 1 }));
    r.record(turn({ outcome: 'lost', conversation: 2, hadCookie: false }));
    r.record(turn({ outcome: 'fail', latencyMs: 3000 }));
    r.record(turn({ measured: false, conversation: 9 }));
    expect(r.counts).toEqual({ intact: 1, lost: 1, stale: 1, diverged: 0, fail: 1, info: 0 });
    expect(r.turns).toBe(4);
    // Redis counts every request, warmup included: so do these.
    expect(r.allTurns).toBe(5);
    expect(r.allTurnsWithCookie).toBe(4);
    expect(r.sessions).toBe(1);
    expect(r.staleLagTurns).toBe(2);
    expect([...r.lostSessions]).toEqual([2]);
    expect([...r.conversations].sort()).toEqual([0, 1, 2]);
    expect(r.errors).toEqual({ refused: 1 });
    // Answered turns go to the latency histogram; a failed one only to the failures'.
    // HdrHistogram reports a bucket's highest value: within 0.1 % (3 significant digits).
    expect(r.latencySummary().count).toBe(3);
    expect(r.latencySummary().max).toBeCloseTo(10, 1);
    expect(r.serviceSummary().p50).toBeCloseTo(8, 1);
    expect(r.failedSummary().count).toBe(1);
    expect(r.failedSummary().max! / 3000).toBeCloseTo(1, 2);
    r.destroy();
  });

  it('gives no latency where nothing was answered: null, not zero', () => {
    const r = new Recorder();
    r.record(turn({ outcome: 'info' }));
    expect(r.latencySummary()).toEqual({
      count: 0,
      mean: null,
      p50: null,
      p90: null,
      p99: null,
      p999: null,
      max: null,
    });
    r.destroy();
  });

  it('puts each turn in the second it completed, with a row for every second up to the last', () => {
    const r = new Recorder();
    r.record(turn({ doneMs: 200, latencyMs: 5 }));
    r.record(turn({ doneMs: 2999, outcome: 'lost', latencyMs: 7 }));
    r.record(turn({ doneMs: 2000, outcome: 'fail' }));
    const s = r.series();
    expect(s.map((x) => [x.t, x.turns, x.intact, x.lost, x.fail])).toEqual([
      [0, 1, 1, 0, 0],
      [1, 0, 0, 0, 0],
      [2, 2, 0, 1, 1],
    ]);
    expect(s[1]).toMatchObject({ p50: null, p99: null });
    expect(s[2]!.p50).toBeCloseTo(7, 1);
    r.destroy();
  });
});

describe('Recorder tallies', () => {
  it('counts turns that had context, late starts, recovered turns and stale lag from measured turns only', () => {
    const r = new Recorder();
    r.record(turn({ hadContext: false }));
    r.record(turn({ late: true, recovered: 2 }));
    r.record(turn({ outcome: 'stale', lagTurns: 3, late: true }));
    r.record(turn({ outcome: 'diverged', lagTurns: 5, recovered: 1 }));
    r.record(turn({ measured: false, late: true, recovered: 4, outcome: 'stale', lagTurns: 7 }));
    const [withContext, late, lag, recovered] = r.state().tallies;
    expect({ withContext, late, lag, recovered }).toEqual({ withContext: 3, late: 2, lag: 3, recovered: 3 });
    r.destroy();
  });

  it('a series point has the latency of answered turns only; a state without the series has no seconds', () => {
    const r = new Recorder();
    r.record(turn({ doneMs: 100, latencyMs: 5 }));
    r.record(turn({ doneMs: 200, outcome: 'fail', latencyMs: 900 }));
    expect(r.series()[0]!.p99).toBeCloseTo(5, 1);
    expect(r.state(false).seconds).toEqual([]);
    expect(r.state().seconds).toHaveLength(1);
    r.destroy();
  });

  it('a state is a copy: recording more does not change it', () => {
    const r = new Recorder();
    r.record(turn({ outcome: 'lost', conversation: 1 }));
    const s = r.state();
    r.record(turn({ outcome: 'lost', conversation: 2, errorKind: 'refused' }));
    expect(s.counts.lost).toBe(1);
    expect(s.errors).toEqual({});
    expect(s.lostSessions).toEqual([1]);
    expect(s.conversations).toEqual([1]);
    r.destroy();
  });

  it('a recorder without a series ignores the seconds of a merged share', () => {
    const full = new Recorder();
    full.record(turn({ doneMs: 3500 }));
    const phase = new Recorder(false);
    phase.merge(full.state());
    expect(phase.turns).toBe(1);
    expect(phase.series()).toEqual([]);
    full.destroy();
    phase.destroy();
  });
});

describe('merging driver threads', () => {
  it('gives exactly what one recorder of every turn gives: counts, tallies, histograms and series', () => {
    const all = turns();
    const one = new Recorder();
    const parts = [new Recorder(), new Recorder(), new Recorder()];
    for (const [i, t] of all.entries()) {
      one.record(t);
      // Conversations are dealt to threads by index, as --workers does.
      parts[t.conversation % 3]!.record(t);
      if (i < 40) {
        one.conversationStarted(t.measured);
        parts[i % 3]!.conversationStarted(t.measured);
      }
    }
    const merged = new Recorder();
    for (const p of parts) merged.merge(p.state());
    expect(sorted(merged.state())).toEqual(sorted(one.state()));
    expect(merged.latencySummary()).toEqual(one.latencySummary());
    expect(merged.series()).toEqual(one.series());
    for (const r of [one, merged, ...parts]) r.destroy();
  });

  it('merges phases and the conversations a fault hit', () => {
    const windows = phaseWindows(
      [
        {
          index: 0,
          name: 'outage',
          target: 'redis',
          resolvedTarget: { kind: 'redis' },
          action: { kind: 'restart' },
          atMs: 2000,
          endMs: 4000,
        },
      ],
      0,
    );
    const one = new PhasedRecorder(windows);
    const parts = [new PhasedRecorder(windows), new PhasedRecorder(windows)];
    for (const t of turns()) {
      one.record(t);
      parts[t.conversation % 2]!.record(t);
    }
    const merged = new PhasedRecorder(windows);
    for (const p of parts) merged.merge(p.state());
    expect(merged.phases.map((p) => sorted(p.recorder.state()))).toEqual(
      one.phases.map((p) => sorted(p.recorder.state())),
    );
    expect(merged.impactAt(2000)).toEqual(one.impactAt(2000));
    expect(one.impactAt(2000).active).toBeGreaterThan(0);
    for (const r of [one, merged, ...parts]) r.destroy();
  });
});
