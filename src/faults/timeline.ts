/**
 * Runs a fault plan on the clock: each fault's action at its start, undone at its end. Every
 * start and end is recorded as an event with the time it actually happened. A failing action is
 * an event with an error, never the end of the run. `stop()` undoes whatever is still in effect.
 */
import { messageOf } from '../errors.js';
import type { FaultEvent } from '../results/schema.js';
import type { PlannedFault } from './plan.js';

export interface FaultActions {
  /** Apply the fault. May throw; the timeline records the error. */
  start(fault: PlannedFault): Promise<void> | void;
  /** Undo it (remove toxics, restart or resume an instance). */
  end(fault: PlannedFault): Promise<void> | void;
}

/** The timer functions the timeline uses: real ones by default, fake ones in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class FaultTimeline {
  readonly events: FaultEvent[] = [];
  private readonly timers: unknown[] = [];
  /** Faults started and not yet ended, with the promise of their start action. */
  private readonly inEffect = new Map<number, Promise<void>>();
  private t0 = 0;
  private stopped = false;

  constructor(
    private readonly faults: readonly PlannedFault[],
    private readonly actions: FaultActions,
    private readonly clock: Clock = realClock,
  ) {}

  /** Schedule every fault relative to now (the start of the load). */
  start(): void {
    this.t0 = this.clock.now();
    for (const f of this.faults) {
      this.timers.push(this.clock.setTimeout(() => this.begin(f), f.atMs));
      if (f.endMs !== null) this.timers.push(this.clock.setTimeout(() => void this.finish(f), f.endMs));
    }
  }

  private async act(
    f: PlannedFault,
    type: 'start' | 'end',
    fn: () => Promise<void> | void,
    record = true,
  ): Promise<void> {
    let error: string | undefined;
    try {
      await fn();
    } catch (err) {
      error = messageOf(err);
    }
    if (record)
      this.events.push({
        atMs: Math.round(this.clock.now() - this.t0),
        fault: f.name,
        type,
        ...(error ? { error } : {}),
      });
  }

  private begin(f: PlannedFault): void {
    if (this.stopped) return;
    this.inEffect.set(
      f.index,
      this.act(f, 'start', () => this.actions.start(f)),
    );
  }

  /** Undo a fault; `record` false when the run, not the fault's own end, undoes it. */
  private async finish(f: PlannedFault, record = true): Promise<void> {
    const started = this.inEffect.get(f.index);
    if (!started) return;
    this.inEffect.delete(f.index);
    await started;
    await this.act(f, 'end', () => this.actions.end(f), record);
  }

  /** Cancel what has not happened and undo what is in effect (in reverse order). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    for (const index of [...this.inEffect.keys()].reverse()) {
      const f = this.faults.find((x) => x.index === index)!;
      await this.finish(f, f.endMs !== null);
    }
  }
}
