/**
 * Results per fault phase: baseline (before the first fault), each fault's window, and recovery
 * (after a fault, outside every window). A turn belongs to the phase of its intended send time.
 * Also which conversations were under way when each fault hit, and which of them lost context.
 */
import type { PlannedFault } from '../faults/plan.js';
import type { PhaseKind } from '../results/schema.js';
import { Recorder, type RecorderState, type TurnResult } from './recorder.js';

export interface PhaseWindow {
  name: string;
  kind: PhaseKind;
  /** From the start of the load, ms; endMs null: to the end of the run. */
  startMs: number;
  endMs: number | null;
}

/** The steps of a capacity search as phases, named by their rate ("20/s"), from the end of warmup. */
export function stepWindows(
  phases: readonly { duration: number; arrivalRate: number }[],
  warmupMs: number,
): PhaseWindow[] {
  let t = warmupMs;
  return phases.map((p) => {
    const w: PhaseWindow = { name: `${p.arrivalRate}/s`, kind: 'step', startMs: t, endMs: t + p.duration };
    t += p.duration;
    return w;
  });
}

/** The phases of a run with these faults; none without faults. */
export function phaseWindows(faults: readonly PlannedFault[], warmupMs: number): PhaseWindow[] {
  if (faults.length === 0) return [];
  const first = Math.min(...faults.map((f) => f.atMs));
  const ends = faults.map((f) => f.endMs);
  const lastEnd = ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : null;
  return [
    { name: 'baseline', kind: 'baseline', startMs: Math.min(warmupMs, first), endMs: first },
    ...faults.map((f) => ({ name: f.name, kind: 'fault' as const, startMs: f.atMs, endMs: f.endMs })),
    { name: 'recovery', kind: 'recovery', startMs: lastEnd ?? first, endMs: null },
  ];
}

interface ConversationTrace {
  firstMs: number;
  /** Last turn that got an answer (not fail/info): only answered turns can show lost context. */
  lastAnsweredMs: number;
  lostMs: number[];
}

/** A PhasedRecorder as plain data, for merging the shares of several worker threads. */
export interface PhasedState {
  overall: RecorderState;
  phases: RecorderState[];
  traces: [conversation: number, trace: ConversationTrace][];
}

/** Records every turn for the whole run and for its phase. */
export class PhasedRecorder {
  readonly overall = new Recorder(true);
  readonly phases: { window: PhaseWindow; recorder: Recorder }[];
  private readonly traces = new Map<number, ConversationTrace>();
  private readonly faultWindows: { window: PhaseWindow; recorder: Recorder }[];

  constructor(windows: readonly PhaseWindow[]) {
    this.phases = windows.map((window) => ({ window, recorder: new Recorder(false) }));
    // Windows a turn is placed in by its time; baseline and recovery take what falls outside them.
    this.faultWindows = this.phases.filter((p) => p.window.kind === 'fault' || p.window.kind === 'step');
  }

  conversationStarted(measured: boolean): void {
    this.overall.conversationStarted(measured);
  }

  record(r: TurnResult): void {
    this.overall.record(r);
    if (!r.measured || this.phases.length === 0) return;
    this.phaseOf(r.intendedMs).record(r);
    let trace = this.traces.get(r.conversation);
    if (!trace) {
      trace = { firstMs: r.intendedMs, lastAnsweredMs: -1, lostMs: [] };
      this.traces.set(r.conversation, trace);
    }
    if (r.outcome !== 'fail' && r.outcome !== 'info') trace.lastAnsweredMs = r.intendedMs;
    if (r.outcome === 'lost') trace.lostMs.push(r.intendedMs);
  }

  /** The name of the phase at `t` ms from the start of the load; undefined without faults. */
  phaseNameAt(t: number): string | undefined {
    if (this.phases.length === 0) return undefined;
    for (const p of this.faultWindows) {
      if (t >= p.window.startMs && (p.window.endMs === null || t < p.window.endMs)) return p.window.name;
    }
    return t < this.phases[0]!.window.endMs!
      ? this.phases[0]!.window.name
      : this.phases[this.phases.length - 1]!.window.name;
  }

  private phaseOf(t: number): Recorder {
    for (const p of this.faultWindows)
      if (t >= p.window.startMs && (p.window.endMs === null || t < p.window.endMs)) return p.recorder;
    const baseline = this.phases[0]!;
    return t < baseline.window.endMs! ? baseline.recorder : this.phases[this.phases.length - 1]!.recorder;
  }

  /**
   * Conversations under way at `atMs` (a turn before it, an answered turn after it), and how many of
   * them lost context after it.
   */
  impactAt(atMs: number): { active: number; lostContext: number } {
    let active = 0;
    let lostContext = 0;
    for (const t of this.traces.values()) {
      if (t.firstMs >= atMs || t.lastAnsweredMs < atMs) continue;
      active++;
      if (t.lostMs.some((ms) => ms >= atMs)) lostContext++;
    }
    return { active, lostContext };
  }

  state(): PhasedState {
    return {
      overall: this.overall.state(),
      phases: this.phases.map((p) => p.recorder.state()),
      traces: [...this.traces],
    };
  }

  /** Add another thread's share of the same run (same phases); conversations never overlap. */
  merge(s: PhasedState): void {
    this.overall.merge(s.overall);
    for (const [i, p] of s.phases.entries()) this.phases[i]?.recorder.merge(p);
    for (const [c, t] of s.traces) this.traces.set(c, t);
  }

  destroy(): void {
    this.overall.destroy();
    for (const p of this.phases) p.recorder.destroy();
  }
}
