/**
 * The named metrics of a run, as thresholds and `compare` know them: one place for every name, its
 * unit and where its value comes from. Phase metrics exist for the whole run and for each phase;
 * backend metrics only for the whole run.
 *
 * A metric's value is a number, null when there was nothing to measure it over (no data: a
 * threshold on it fails, a comparison leaves it out), or undefined when it does not apply to the
 * backend at all (Redis counts of `memory`).
 */
import type { BackendFigures, MetricsBlock, SizeSummary } from './blocks.js';

/** duration: ms; ratio: 0..1 (written with % in expressions); number: plain; bytes. */
export type MetricKind = 'duration' | 'ratio' | 'number' | 'bytes';

export interface MetricDef {
  kind: MetricKind;
  description: string;
  /** Larger is worse (latency, loss) or better (throughput): `compare` needs to know. */
  higherIsWorse: boolean;
  phase?: (m: MetricsBlock) => number | null;
  /** Only a Redis-backed backend has it (Redis counts and memory, encoded session sizes). */
  needsRedis?: boolean;
  backend?: (b: BackendFigures) => number | null | undefined;
}

const phaseMetric = (
  kind: MetricKind,
  description: string,
  phase: (m: MetricsBlock) => number | null,
  higherIsWorse = true,
): MetricDef => ({
  kind,
  description,
  phase,
  higherIsWorse,
});

/**
 * A session size metric: for a Redis-backed backend (the stores that keep sessions encoded), null
 * when it saved none; for the others it does not apply.
 */
const sessionBytes = (description: string, pick: (s: SizeSummary) => number): MetricDef => ({
  kind: 'bytes',
  needsRedis: true,
  description,
  higherIsWorse: true,
  backend: (b) => (b.sessionBytes ? pick(b.sessionBytes) : b.redis ? null : undefined),
});

export const METRICS = {
  'latency.mean': phaseMetric('duration', 'mean latency of successful turns', (m) => m.latencyMs.mean),
  'latency.p50': phaseMetric('duration', 'median latency of successful turns', (m) => m.latencyMs.p50),
  'latency.p90': phaseMetric('duration', '90th percentile latency', (m) => m.latencyMs.p90),
  'latency.p99': phaseMetric('duration', '99th percentile latency', (m) => m.latencyMs.p99),
  'latency.p999': phaseMetric('duration', '99.9th percentile latency', (m) => m.latencyMs.p999),
  'latency.max': phaseMetric('duration', 'slowest successful turn', (m) => m.latencyMs.max),
  'service.p50': phaseMetric('duration', 'median service time (from the actual send)', (m) => m.serviceMs.p50),
  'service.p99': phaseMetric('duration', '99th percentile service time', (m) => m.serviceMs.p99),
  'failed.max': phaseMetric('duration', 'slowest failed turn', (m) => m.failedMs.max),
  turn_loss: phaseMetric('ratio', 'lost / turns that had context', (m) => m.rates.turnLoss),
  session_loss: phaseMetric('ratio', 'conversations with a lost turn / conversations', (m) => m.rates.sessionLoss),
  stale: phaseMetric('ratio', 'stale / turns that had context', (m) => m.rates.stale),
  diverged: phaseMetric('ratio', 'diverged / turns that had context', (m) => m.rates.diverged),
  errors: phaseMetric('ratio', 'failed turns (fail + info) / turns', (m) => m.rates.errors),
  turns: phaseMetric('number', 'measured turns', (m) => m.turns.total, false),
  turns_per_sec: phaseMetric('number', 'successful turns per second', (m) => m.throughput.achievedTurnsPerSec, false),
  goodput: phaseMetric(
    'ratio',
    'successful turns / turns sent: throughput judged against the offered load',
    (m) => {
      const { achievedTurnsPerSec: a, offeredTurnsPerSec: o } = m.throughput;
      return a === null || o === null || o === 0 ? null : Math.round((a / o) * 1e6) / 1e6;
    },
    false,
  ),
  'ttft.p50': phaseMetric('duration', 'median time to first token', (m) => m.delivery?.ttftMs.p50 ?? null),
  'ttft.p99': phaseMetric('duration', '99th percentile time to first token', (m) => m.delivery?.ttftMs.p99 ?? null),
  'ttlt.p99': phaseMetric('duration', '99th percentile time to the last token', (m) => m.delivery?.ttltMs.p99 ?? null),
  'token_gap.p99': phaseMetric(
    'duration',
    '99th percentile gap between tokens',
    (m) => m.delivery?.tokenGapMs.p99 ?? null,
  ),
  'token_gap.max': phaseMetric(
    'duration',
    'longest stall between two tokens',
    (m) => m.delivery?.tokenGapMs.max ?? null,
  ),
  'delivery.mean': phaseMetric(
    'duration',
    "mean added delivery delay (reply at the client less the service's own time)",
    (m) => m.delivery?.deliveryMs.mean ?? null,
  ),
  requests_per_turn: phaseMetric('number', 'HTTP requests per turn', (m) => m.delivery?.requestsPerTurn ?? null),
  reconnects: {
    kind: 'number',
    description: 'reconnects after a broken connection',
    higherIsWorse: true,
    backend: (b) => b.connections?.reconnects,
  },
  memory_per_connection: {
    kind: 'bytes',
    description: "the driver's memory per open connection",
    higherIsWorse: true,
    backend: (b) => b.connections?.memoryPerConnectionBytes,
  },
  redis_reads_per_turn: {
    kind: 'number',
    needsRedis: true,
    description: 'Redis reads per turn that carried a session cookie',
    higherIsWorse: true,
    backend: (b) => b.redis?.readsPerTurn,
  },
  redis_writes_per_turn: {
    kind: 'number',
    needsRedis: true,
    description: 'Redis writes per turn',
    higherIsWorse: true,
    backend: (b) => b.redis?.writesPerTurn,
  },
  capacity: {
    kind: 'number',
    description: 'conversations per second of the highest step sustained within the SLO (capacity search)',
    higherIsWorse: false,
    backend: (b) => (b.capacity ? b.capacity.conversationsPerSec : undefined),
  },
  capacity_turns_per_sec: {
    kind: 'number',
    description: 'turns per second achieved at the capacity (capacity search)',
    higherIsWorse: false,
    backend: (b) => (b.capacity ? b.capacity.turnsPerSec : undefined),
  },
  rss_per_instance: {
    kind: 'bytes',
    description: 'mean instance memory at the end',
    higherIsWorse: true,
    backend: (b) => b.memory.rssMeanBytes,
  },
  'session_bytes.mean': sessionBytes('mean encoded session size as stored', (s) => s.mean),
  'session_bytes.p99': sessionBytes('99th percentile encoded session size as stored', (s) => s.p99),
  'session_bytes.max': sessionBytes('largest encoded session stored', (s) => s.max),
  bytes_read_per_turn: {
    kind: 'bytes',
    description: 'bytes the store read (Redis or peers) per turn that carried a session cookie',
    higherIsWorse: true,
    backend: (b) => b.bytesPerTurn.read,
  },
  bytes_written_per_turn: {
    kind: 'bytes',
    description: 'bytes the store wrote (Redis or peers) per turn',
    higherIsWorse: true,
    backend: (b) => b.bytesPerTurn.written,
  },
  redis_memory: {
    kind: 'bytes',
    needsRedis: true,
    description: "growth of Redis's used_memory over the backend's run",
    higherIsWorse: true,
    backend: (b) => b.redisMemory && Math.max(0, b.redisMemory.usedBytes - b.redisMemory.usedAtStartBytes),
  },
  redis_key_bytes: {
    kind: 'bytes',
    needsRedis: true,
    description: 'mean MEMORY USAGE of a session key (a sample of up to 100) at the end',
    higherIsWorse: true,
    backend: (b) => b.redisMemory?.keyBytesMean,
  },
} satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/**
 * The value of a metric for a backend, in the whole run (no phase) or in a phase result: null for
 * no data, undefined when the metric does not apply to this backend.
 */
export function metricValue(
  name: MetricName,
  b: BackendFigures & MetricsBlock,
  block: MetricsBlock = b,
): number | null | undefined {
  const def: MetricDef = METRICS[name];
  return def.phase ? def.phase(block) : def.backend?.(b);
}
