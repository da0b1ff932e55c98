/**
 * The canonical results of a run: `results.json` is exactly a `RunResults`. Every report (terminal,
 * Markdown, HTML, JUnit) is rendered from it alone, and `report` / `compare` read it back through
 * `RunResultsSchema`, so a file of the wrong shape is refused with the JSON path at fault. Bump
 * RESULTS_SCHEMA_VERSION on any change that breaks a reader.
 *
 * This folder is the bottom of the import graph: it imports nothing of the project, and the types
 * every stage writes into the results (outcome counts, store counters, fault events, threshold
 * verdicts) are declared here, once.
 */
import * as z from 'zod';
import {
  BytesPerTurnSchema,
  ConnectionsSchema,
  MemorySchema,
  MetricsBlockSchema,
  OutcomeCountsSchema,
  RedisCountsSchema,
  RedisMemorySchema,
  SizeSummarySchema,
} from './blocks.js';
import { METRIC_NAMES, type MetricName } from './metrics.js';
import { RedisTopologyResultSchema } from './topology.js';

/**
 * 2: figures over no data are null; every time is in seconds from the start of the load (warmup
 * included); fault impacts say whether the fault could touch the backend at all.
 * 3: transports: token timing and delivery per backend and phase (`delivery`), the client's
 * connections and reconnects (`connections`), the driver's CPU per turn; `load.transport` is a
 * mapping with `type`. And what sessions cost in bytes: `sessionBytes`, `bytesPerTurn`,
 * `redisMemory`; instances report `sessionBytes` too.
 */
export const RESULTS_SCHEMA_VERSION = 3;

const count = () => z.number().int().min(0);

export const EnvironmentSchema = z.object({
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cpuCount: count(),
  totalMemoryBytes: count(),
  redisVersion: z.string().nullable(),
  /** "spawned" (sessbench started redis-server) or "external" (--redis-url). */
  redisMode: z.enum(['spawned', 'external', 'none']),
});
export type Environment = z.output<typeof EnvironmentSchema>;

/** Monotonic counters of one session store, read at the end of a backend's run. */
export const StoreCountersSchema = z.object({
  localHits: count().describe("Loads answered from the instance's own memory."),
  remoteReads: count().describe('Reads that went to a remote store (Redis) or waited on a peer.'),
  remoteWrites: count().describe('Writes sent to a remote store, or copies sent to peers.'),
  bytesRead: count(),
  bytesWritten: count(),
  errors: count().describe('Failed remote operations.'),
  conflicts: count().describe('Compare-and-set conflicts (two-tier).'),
});
export type StoreCounters = z.output<typeof StoreCountersSchema>;

export function emptyCounters(): StoreCounters {
  return { localHits: 0, remoteReads: 0, remoteWrites: 0, bytesRead: 0, bytesWritten: 0, errors: 0, conflicts: 0 };
}

export const InstanceResultSchema = z.object({
  index: count(),
  rssBytes: count().nullable(),
  heapUsedBytes: count().nullable(),
  cpuCores: z.number().nullable().optional().describe("The instance's CPU over the backend's run, in cores."),
  counters: StoreCountersSchema.nullable(),
  sessionBytes: SizeSummarySchema.nullable().describe("This instance's saves; null: none, or not encoded."),
});
export type InstanceResult = z.output<typeof InstanceResultSchema>;

/** One second of a backend's run: turns by outcome and latency of the successful ones. */
export const SecondStatsSchema = OutcomeCountsSchema.extend({
  t: count().describe('Second of the run, from the start of the load (warmup included), by completion time.'),
  turns: count(),
  p50: z.number().nullable().describe('Of the successful turns that completed in this second; null without any.'),
  p99: z.number().nullable(),
});
export type SecondStats = z.output<typeof SecondStatsSchema>;

/** baseline, each fault's window and recovery with faults; one step each in a capacity search. */
export const PHASE_KINDS = ['baseline', 'fault', 'recovery', 'step'] as const;
export type PhaseKind = (typeof PHASE_KINDS)[number];

export const PhaseResultSchema = MetricsBlockSchema.extend({
  name: z.string(),
  kind: z.enum(PHASE_KINDS),
  startSec: z.number().describe("Seconds from the start of the load (warmup included), like a fault's `at`."),
  endSec: z.number().nullable().describe('Null: to the end of the run.'),
});
export type PhaseResult = z.output<typeof PhaseResultSchema>;

/** One step of a capacity search: what the backend sustained at that arrival rate. */
export const CapacityStepSchema = z.object({
  rate: z.number().describe('Arrival rate of the step, conversations per second.'),
  achievedTurnsPerSec: z.number().nullable(),
  p99Ms: z.number().nullable(),
  errors: z.number().nullable(),
  sustained: z.boolean().describe('p99 and errors within the SLO.'),
});

/** The capacity search's outcome for one backend. */
export const CapacitySchema = z.object({
  sloP99Ms: z.number(),
  sloErrors: z.number(),
  steps: z.array(CapacityStepSchema),
  conversationsPerSec: z
    .number()
    .nullable()
    .describe('The highest step rate sustained with every step below it; null: not even the first.'),
  turnsPerSec: z.number().nullable().describe('Turns per second achieved at that step.'),
});
export type Capacity = z.output<typeof CapacitySchema>;

/** What one fault did to one backend. */
export const FaultImpactSchema = z.object({
  fault: z.string(),
  affected: z
    .boolean()
    .describe('False when the backend has nothing the fault targets (Redis for memory, peer links for redis).'),
  activeConversations: count().describe(
    'Conversations under way when the fault started: a turn before it and an answered turn after it.',
  ),
  lostContext: count().describe('Of those, how many had a lost turn after it started.'),
  lostContextRate: z.number().nullable(),
  timeToRecoverSec: z
    .number()
    .nullable()
    .describe(
      "From the fault's end (or its moment) to the first second back in the baseline's band; null: not within the run.",
    ),
});
export type FaultImpact = z.output<typeof FaultImpactSchema>;

/** A fault started or ended, as it happened. */
export const FaultEventSchema = z.object({
  atMs: z.number().describe('ms since the start of the load, when the action completed.'),
  fault: z.string(),
  type: z.enum(['start', 'end']),
  error: z.string().optional(),
});
export type FaultEvent = z.output<typeof FaultEventSchema>;

export const EventResultSchema = FaultEventSchema.extend({
  t: z.number().describe('Seconds from the start of the load (warmup included).'),
});
export type EventResult = z.output<typeof EventResultSchema>;

export const ThresholdResultSchema = z.object({
  backend: z.string(),
  metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
  phase: z.string().nullable(),
  threshold: z.string(),
  observed: z
    .number()
    .nullable()
    .describe('Null: nothing was measured (no turns in the phase, a backend not run); the verdict fails.'),
  ok: z.boolean(),
});
/** One threshold's verdict for one backend (and phase). */
export type ThresholdResult = z.output<typeof ThresholdResultSchema>;

export const BackendResultSchema = MetricsBlockSchema.extend({
  label: z.string(),
  backend: z.string(),
  options: z.record(z.string(), z.unknown()),
  routing: z.string(),
  routingOverridden: z.boolean().describe("The backend needs affinity and replaced the scenario's routing."),
  startedAt: z.string(),
  durationMs: z.number(),
  conversations: z.object({ started: count(), measured: count(), withLostTurn: count(), cut: count() }),
  latencyHistogram: z.string().describe('HdrHistogram, compressed base64, of latencyMs in microseconds.'),
  redis: RedisCountsSchema.nullable(),
  redisTopology: RedisTopologyResultSchema.nullable()
    .optional()
    .describe('Per-node figures, redirects, key spread and topology events; absent for a backend without Redis.'),
  instances: z.array(InstanceResultSchema),
  memory: MemorySchema,
  store: StoreCountersSchema,
  sessionBytes: SizeSummarySchema.nullable().describe(
    'Encoded size of every session saved, as stored, over the instances alive at the end; null: the store keeps ' +
      'no encoded sessions (memory, sticky, replication), or saved none.',
  ),
  bytesPerTurn: BytesPerTurnSchema,
  redisMemory: RedisMemorySchema.nullable().describe(
    'Null for a backend without Redis, and for one on several Redis nodes (their figures are in redisTopology).',
  ),
  driver: z.object({
    eventLoopLagP99Ms: z.number(),
    eventLoopLagMaxMs: z.number(),
    cpuCores: z
      .number()
      .describe('CPU of the whole sessbench process (driver and proxy threads) over the drive, in cores.'),
    saturated: z.boolean().describe('The driver itself was saturated: its latency figures are suspect.'),
    workers: z.number().int().min(1).optional().describe('Driver threads.'),
    utilization: z.number().optional().describe("The busiest driver thread's event-loop utilization, 0..1."),
    proxyUtilization: z.number().optional().describe("The fault proxies' thread's event-loop utilization, 0..1."),
    saturatedBy: z
      .array(z.enum(['driver', 'proxy', 'instances']))
      .optional()
      .describe('What was busy more than 90 % of the time: the driver, the proxy thread, an instance.'),
    cpuMsPerTurn: z
      .number()
      .nullable()
      .optional()
      .describe("The whole process's CPU time per turn, ms (null without turns)."),
  }),
  connections: ConnectionsSchema.optional().describe('Absent in results older than schema 3.'),
  series: z.array(SecondStatsSchema),
  events: z.array(EventResultSchema).describe('Fault starts and ends as they happened; empty without faults.'),
  phases: z.array(PhaseResultSchema).describe('Baseline, each fault window, recovery; empty without faults.'),
  faults: z.array(FaultImpactSchema),
  capacity: CapacitySchema.optional().describe('With load.steps: the capacity search.'),
});
export type BackendResult = z.output<typeof BackendResultSchema>;

/** A fault of the run's plan, as the results keep it (the action's details are the fault layer's). */
export const PlannedFaultSchema = z.object({
  index: count(),
  name: z.string().describe("Unique in the run; names the fault's phase."),
  target: z.string().describe('The target as resolved: "redis", "instance[2]", "instance[2].peers".'),
  resolvedTarget: z.looseObject({ kind: z.string() }),
  action: z.looseObject({ kind: z.string() }),
  atMs: z.number().describe('From the start of the load (warmup included), ms.'),
  endMs: z.number().nullable().describe('When the fault is undone; null when it lasts to the end of the run.'),
});
export type PlannedFaultRecord = z.output<typeof PlannedFaultSchema>;

/** The scenario as the run used it; reports read these fields, the rest is kept as written. */
export const ScenarioRecordSchema = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  cluster: z.looseObject({ instances: count(), routing: z.string() }),
  load: z.looseObject({ warmup: z.number(), transport: z.union([z.string(), z.looseObject({ type: z.string() })]) }),
});
export type ScenarioRecord = z.output<typeof ScenarioRecordSchema>;

export const RunResultsSchema = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('sessbench'), version: z.string() }),
  scenarioFile: z.string(),
  scenario: ScenarioRecordSchema,
  seed: count(),
  startedAt: z.string(),
  finishedAt: z.string(),
  interrupted: z.boolean().describe('True when the run was interrupted: `backends` holds what was measured.'),
  abortedBy: z.string().nullable().describe('Set when a threshold with abortOnFail ended the run early.'),
  environment: EnvironmentSchema,
  warnings: z.array(z.string()),
  faults: z.array(PlannedFaultSchema).describe('The fault plan every backend got.'),
  backends: z.array(BackendResultSchema),
  thresholds: z.array(ThresholdResultSchema).describe("Every threshold's verdict, per backend (and phase)."),
});
export type RunResults = z.output<typeof RunResultsSchema>;
