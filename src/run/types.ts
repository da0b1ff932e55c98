/** What a caller gives a run and how it hears of its progress. */
import type { RedisOptions } from '../cluster/redis.js';
import type { BackendResult } from '../results/schema.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';

/** Live view of a backend's progress, for the terminal. */
export interface Progress {
  label: string;
  /** Since the start of the load (warmup included), ms. */
  elapsedMs: number;
  /** Length of the arrival timeline (warmup and phases); beyond it the run drains. */
  plannedMs: number;
  /** warmup, load, drain, or with faults the phase now: baseline, a fault's name, recovery. */
  phase: string;
  turns: number;
  intact: number;
  lost: number;
  errors: number;
  /** Of the successful turns so far; null before the first. */
  p50: number | null;
  p99: number | null;
}

/** Callbacks of a run, all optional; called on the run's own event loop, never concurrently. */
export interface RunObserver {
  backendStarting?(spec: BackendSpec, index: number, total: number, routing: string): void;
  progress?(p: Progress): void;
  backendDone?(result: BackendResult): void;
  warning?(message: string): void;
}

export interface RunOptions {
  /** A validated scenario; its thresholds are evaluated on the results, and those with abortOnFail during the run. */
  scenario: Scenario;
  scenarioFile: string;
  seed: number;
  redis: RedisOptions;
  /** Aborting it (Ctrl-C) cuts the backend under way short and skips the rest. */
  signal: AbortSignal;
  observer?: RunObserver;
  /** How often observer.progress is called, ms. */
  progressEveryMs?: number;
  /** Driver threads (conversation i goes to thread i mod N); 1 drives in the main thread. */
  workers?: number;
}
