/**
 * Baseline comparison: per backend and metric, base, new, delta and delta %, with a change marked
 * significant only when it is larger than the run-to-run noise the results themselves show:
 *
 * - latency p50/p99 and throughput: the spread of the per-second series of both runs
 *   (standard error of the per-second values), 3 standard errors;
 * - rates (loss, stale, errors) and Redis ops per turn: the binomial standard error of both runs'
 *   counts, 3 standard errors;
 * - everything else (memory): more than 10 %.
 *
 * `--fail-on` rules ("latency.p99:+10%", "turn_loss:+0.1pp", "latency.p50:+5ms") turn significant
 * changes for the worse beyond their limit into a regression.
 */
import { METRICS, type MetricName, metricValue } from '../results/metrics.js';
import type { BackendResult, RunResults } from '../results/schema.js';
import { didYouMean } from '../util/did-you-mean.js';
import { UsageError } from '../errors.js';

export const COMPARED: readonly MetricName[] = [
  'latency.p50',
  'latency.p99',
  'turns_per_sec',
  'goodput',
  'turn_loss',
  'session_loss',
  'stale',
  'diverged',
  'errors',
  'redis_reads_per_turn',
  'redis_writes_per_turn',
  'rss_per_instance',
];

export interface Change {
  backend: string;
  metric: MetricName;
  base: number;
  next: number;
  delta: number;
  /** null when base is 0. */
  deltaPct: number | null;
  /** The noise the change was judged against (same unit as the metric), null for the 10 % rule. */
  noise: number | null;
  significant: boolean;
  /** The change goes the bad way (higher latency, lower throughput…). */
  worse: boolean;
  /** The --fail-on rules it breaks. */
  failed: string[];
  /** Why the change is not judged (raw throughput under a different offered load). */
  note?: string;
}

export interface FailRule {
  metric: MetricName;
  text: string;
  /** Allowed change for the worse: relative (0.1 = 10 %) or absolute in the metric's unit. */
  relative?: number;
  absolute?: number;
}

function meanSe(xs: number[]): { mean: number; se: number } {
  if (xs.length < 2) return { mean: xs[0] ?? 0, se: Infinity };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, se: sd / Math.sqrt(xs.length) };
}

const present = (xs: readonly (number | null)[]): number[] => xs.flatMap((x) => (x === null ? [] : [x]));

/** The standard error of one run's value of a metric, or null when it has no noise model. */
function standardError(metric: MetricName, b: BackendResult, value: number): number | null {
  const busy = b.series.filter((s) => s.turns > 0);
  const binomial = (p: number, n: number) => (n > 0 ? Math.sqrt(Math.max(p * (1 - p), 1 / n) / n) : Infinity);
  switch (metric) {
    case 'latency.p50':
      return meanSe(present(busy.map((s) => s.p50))).se;
    case 'latency.p99':
      return meanSe(present(busy.map((s) => s.p99))).se;
    case 'turns_per_sec':
      return meanSe(busy.map((s) => s.turns)).se;
    case 'turn_loss':
    case 'stale':
    case 'diverged':
      return binomial(value, b.turns.withContext);
    case 'session_loss':
      return binomial(value, b.conversations.measured);
    case 'errors':
    case 'goodput':
      return binomial(value, b.turns.total);
    case 'redis_reads_per_turn':
    case 'redis_writes_per_turn':
      return binomial(Math.min(value, 1), b.turns.total);
    default:
      return null;
  }
}

/** Parse "latency.p99:+10%,turn_loss:+0.1pp,latency.p50:+5ms". */
export function parseFailOn(text: string): FailRule[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([a-z_.0-9]+):\+?(\d+(?:\.\d+)?)(%|pp|ms|s)?$/.exec(part);
      if (!m)
        throw new UsageError(
          `--fail-on ${JSON.stringify(part)}: expected metric:+limit like ` +
            'latency.p99:+10%, turn_loss:+0.1pp or latency.p50:+5ms',
        );
      const metric = m[1] as MetricName;
      if (!(metric in METRICS))
        throw new UsageError(`--fail-on: unknown metric "${metric}"${didYouMean(metric, Object.keys(METRICS))}`);
      const n = Number(m[2]);
      const unit = m[3] ?? '';
      const kind = METRICS[metric].kind;
      if (unit === '%') return { metric, text: part, relative: n / 100 };
      if (unit === 'pp' && kind === 'ratio') return { metric, text: part, absolute: n / 100 };
      if ((unit === 'ms' || unit === 's') && kind === 'duration')
        return { metric, text: part, absolute: unit === 's' ? n * 1000 : n };
      if (unit === '' && kind !== 'duration' && kind !== 'ratio') return { metric, text: part, absolute: n };
      throw new UsageError(
        `--fail-on ${JSON.stringify(part)}: ${metric} takes a limit in % ` +
          (kind === 'ratio' ? 'or pp' : kind === 'duration' ? 'or ms' : 'or a plain number'),
      );
    });
}

/** Offered loads further apart than this make raw throughput incomparable (goodput still compares). */
const OFFERED_TOLERANCE = 0.05;

/** Canonical JSON (sorted keys), so equal content compares equal whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What comparability looks at in a run (a RunResults has it all). */
export type Comparable = Pick<RunResults, 'scenario' | 'seed' | 'interrupted' | 'abortedBy'> & {
  backends: readonly { label: string; backend: string; options: Record<string, unknown> }[];
};

/**
 * Why two runs can't be compared figure by figure: a different load, cluster or fault plan (what
 * was run; not its name, thresholds or which backends were picked), seed or backend options, or a
 * run that was cut short. Empty when they can.
 */
export function incomparable(base: Comparable, next: Comparable): string[] {
  const reasons: string[] = [];
  for (const part of ['cluster', 'load', 'faults'] as const) {
    if (canonical(base.scenario[part]) !== canonical(next.scenario[part]))
      reasons.push(`the scenarios' ${part} differ`);
  }
  if (base.seed !== next.seed) reasons.push(`the seeds differ (${base.seed} and ${next.seed})`);
  for (const nb of next.backends) {
    const bb = base.backends.find((b) => b.label === nb.label);
    if (bb && (bb.backend !== nb.backend || canonical(bb.options) !== canonical(nb.options))) {
      reasons.push(`backend ${nb.label} has other options`);
    }
  }
  for (const [name, r] of [
    ['base', base],
    ['new', next],
  ] as const) {
    if (r.interrupted) reasons.push(`the ${name} run was interrupted`);
    if (r.abortedBy) reasons.push(`the ${name} run was ended early by a threshold`);
  }
  return reasons;
}

export interface Comparison {
  changes: Change[];
  /** Metrics left out because one side had no data. */
  noData: { backend: string; metric: MetricName; side: 'base' | 'new' | 'both' }[];
  onlyIn: { base: string[]; next: string[] };
  /** Why the runs are not comparable; empty when they are. */
  incomparable: string[];
}

function change(
  metric: MetricName,
  bb: BackendResult,
  nb: BackendResult,
  a: number,
  b: number,
  rules: readonly FailRule[],
): Change {
  const delta = b - a;
  const seA = standardError(metric, bb, a);
  const seB = standardError(metric, nb, b);
  const noise = seA === null || seB === null ? null : Math.sqrt(seA ** 2 + seB ** 2);
  const deltaPct = a === 0 ? null : delta / a;
  const offeredA = bb.throughput.offeredTurnsPerSec ?? 0;
  const offeredB = nb.throughput.offeredTurnsPerSec ?? 0;
  // Raw throughput follows the offered load: judged only when both runs offered the same.
  const note =
    metric === 'turns_per_sec' && Math.abs(offeredB - offeredA) > OFFERED_TOLERANCE * Math.max(offeredA, offeredB)
      ? `offered load differs (${offeredA} and ${offeredB} turns/s): see goodput`
      : undefined;
  const significant =
    note === undefined &&
    delta !== 0 &&
    (noise === null ? Math.abs(deltaPct ?? Infinity) > 0.1 : Math.abs(delta) > 3 * noise);
  const worse = METRICS[metric].higherIsWorse ? delta > 0 : delta < 0;
  const failed = rules
    .filter((r) => r.metric === metric && significant && worse)
    .filter((r) =>
      r.relative !== undefined ? a === 0 || Math.abs(delta) / Math.abs(a) > r.relative : Math.abs(delta) > r.absolute!,
    )
    .map((r) => r.text);
  return {
    backend: nb.label,
    metric,
    base: a,
    next: b,
    delta,
    deltaPct,
    noise,
    significant,
    worse,
    failed,
    ...(note ? { note } : {}),
  };
}

/** Compare two runs, backend by backend (matched by label). */
export function compareRuns(base: RunResults, next: RunResults, rules: readonly FailRule[] = []): Comparison {
  const changes: Change[] = [];
  const noData: Comparison['noData'] = [];
  for (const nb of next.backends) {
    const bb = base.backends.find((b) => b.label === nb.label);
    if (!bb) continue;
    const metrics = [...new Set([...COMPARED, ...rules.map((r) => r.metric)])];
    for (const metric of metrics) {
      const a = metricValue(metric, bb);
      const b = metricValue(metric, nb);
      if (a === undefined || b === undefined) continue;
      if (a === null || b === null) {
        noData.push({
          backend: nb.label,
          metric,
          side: a === null && b === null ? 'both' : a === null ? 'base' : 'new',
        });
        continue;
      }
      changes.push(change(metric, bb, nb, a, b, rules));
    }
  }
  return {
    changes,
    noData,
    onlyIn: {
      base: base.backends.filter((b) => !next.backends.some((n) => n.label === b.label)).map((b) => b.label),
      next: next.backends.filter((n) => !base.backends.some((b) => b.label === n.label)).map((n) => n.label),
    },
    incomparable: incomparable(base, next),
  };
}
