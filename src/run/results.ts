/**
 * The canonical results of a run: `results.json` is exactly this object. Every report (terminal,
 * Markdown, and later HTML and JUnit) is rendered from it alone. Bump RESULTS_SCHEMA_VERSION on any
 * change that breaks a reader.
 */
import type { StoreCounters } from '../backends/types.js';
import type { OutcomeCounts } from '../driver/oracle.js';
import type { PlannedFault } from '../faults/plan.js';
import type { FaultEvent } from '../faults/timeline.js';
import type { PhaseKind } from '../metrics/phases.js';
import type { ThresholdResult } from '../gates/thresholds.js';
import type { LatencySummary } from '../metrics/histogram.js';
import type { SecondStats } from '../metrics/recorder.js';
import type { Scenario } from '../scenario/schema.js';

export const RESULTS_SCHEMA_VERSION = 1;

export interface Environment {
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  redisVersion: string | null;
  /** "spawned" (sessbench started redis-server) or "external" (--redis-url). */
  redisMode: 'spawned' | 'external' | 'none';
}

export interface TurnCounts extends OutcomeCounts {
  /** Measured turns with a result (cut turns are not counted). */
  total: number;
  /** Turns whose expected context was non-empty: the denominator of the turn loss rate. */
  withContext: number;
  lateStarts: number;
  /** Indeterminate turns later found stored after all. */
  recovered: number;
}

export interface Rates {
  /** lost / turns with expected context. */
  turnLoss: number;
  /** conversations with at least one lost turn / conversations. */
  sessionLoss: number;
  /** stale / turns with expected context. */
  stale: number;
  /** diverged / turns with expected context. */
  diverged: number;
  /** (fail + info) / turns. */
  errors: number;
}

export interface RedisCounts {
  /** Session reads Redis counted (GET, HMGET, …) for this backend's whole run, warmup included. */
  reads: number;
  /** Session writes Redis counted (SET, EVALSHA, …). */
  writes: number;
  /** reads / turns that carried a session cookie. */
  readsPerTurn: number;
  /** writes / turns. */
  writesPerTurn: number;
  byCommand: Record<string, number>;
}

export interface InstanceResult {
  index: number;
  rssBytes: number | null;
  heapUsedBytes: number | null;
  counters: StoreCounters | null;
}

/** The metrics of DESIGN.md §4, for a whole backend run or one of its phases. */
export interface MetricsBlock {
  turns: TurnCounts;
  rates: Rates;
  errorsByKind: Record<string, number>;
  /** Mean lag of stale turns, in turns. */
  staleLagMean: number;
  /** Successful turns (not fail/info), from the intended send time. */
  latencyMs: LatencySummary;
  /** Successful turns, from the actual send. */
  serviceMs: LatencySummary;
  /** Failed turns (fail, info), from the intended send time: how long it took to learn of the error. */
  failedMs: LatencySummary;
  throughput: { windowSec: number; offeredTurnsPerSec: number; achievedTurnsPerSec: number };
}

export interface PhaseResult extends MetricsBlock {
  name: string;
  kind: PhaseKind;
  /** Seconds since the start of the measurement (the per-second series' time line). */
  startSec: number;
  endSec: number | null;
}

/** What one fault did to one backend. */
export interface FaultImpact {
  fault: string;
  /** Conversations under way when the fault started: a turn before it and an answered turn after it. */
  activeConversations: number;
  /** Of those, how many had a lost turn after it started. */
  lostContext: number;
  lostContextRate: number;
  /** Seconds from the fault's end (or its moment, for instantaneous ones) to the first second back in the baseline's band; null: not within the run. */
  timeToRecoverSec: number | null;
}

/** A fault started or ended, on the series' time line. */
export interface EventResult extends FaultEvent {
  /** Seconds since the start of the measurement. */
  t: number;
}

export interface BackendResult extends MetricsBlock {
  label: string;
  backend: string;
  options: Record<string, unknown>;
  routing: string;
  /** The backend needs affinity and replaced the scenario's routing. */
  routingOverridden: boolean;
  startedAt: string;
  durationMs: number;
  conversations: { started: number; measured: number; withLostTurn: number; cut: number };
  /** HdrHistogram compressed base64 of latencyMs, in microseconds. */
  latencyHistogram: string;
  redis: RedisCounts | null;
  instances: InstanceResult[];
  memory: { rssTotalBytes: number; rssMeanBytes: number };
  store: StoreCounters;
  driver: { eventLoopLagP99Ms: number; eventLoopLagMaxMs: number; cpuCores: number; saturated: boolean };
  series: SecondStats[];
  /** Fault starts and ends as they happened; empty without faults. */
  events: EventResult[];
  /** Baseline, each fault window, recovery; empty without faults. */
  phases: PhaseResult[];
  faults: FaultImpact[];
}

export interface RunResults {
  schemaVersion: number;
  tool: { name: 'sessbench'; version: string };
  scenarioFile: string;
  scenario: Scenario;
  seed: number;
  startedAt: string;
  finishedAt: string;
  /** True when the run was interrupted: `backends` holds what was measured. */
  interrupted: boolean;
  /** Set when a threshold with abortOnFail ended the run early. */
  abortedBy: string | null;
  environment: Environment;
  warnings: string[];
  /** The fault plan every backend got (resolved targets, times from the start of the load). */
  faults: PlannedFault[];
  backends: BackendResult[];
  /** Every threshold's verdict, per backend (and phase). */
  thresholds: ThresholdResult[];
}
