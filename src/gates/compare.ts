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

/** The standard error of one run's value of a metric, or null when it has no noise model. */
function standardError(metric: MetricName, b: BackendResult): number | null {
  const busy = b.series.filter((s) => s.turns > 0);
  const binomial = (p: number, n: number) => (n > 0 ? Math.sqrt(Math.max(p * (1 - p), 1 / n) / n) : Infinity);
  switch (metric) {
    case 'latency.p50':
      return meanSe(busy.map((s) => s.p50)).se;
    case 'latency.p99':
      return meanSe(busy.map((s) => s.p99)).se;
    case 'turns_per_sec':
      return meanSe(busy.map((s) => s.turns)).se;
    case 'turn_loss':
    case 'stale':
    case 'diverged':
      return binomial(metricValue(metric, b)!, b.turns.withContext);
    case 'session_loss':
      return binomial(b.rates.sessionLoss, b.conversations.measured);
    case 'errors':
      return binomial(b.rates.errors, b.turns.total);
    case 'redis_reads_per_turn':
    case 'redis_writes_per_turn': {
      const v = metricValue(metric, b);
      return v === undefined ? null : binomial(Math.min(v, 1), b.turns.total);
    }
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

/** Compare two runs, backend by backend (matched by label). */
export function compareRuns(
  base: RunResults,
  next: RunResults,
  rules: readonly FailRule[] = [],
): { changes: Change[]; onlyIn: { base: string[]; next: string[] } } {
  const changes: Change[] = [];
  for (const nb of next.backends) {
    const bb = base.backends.find((b) => b.label === nb.label);
    if (!bb) continue;
    const metrics = [...new Set([...COMPARED, ...rules.map((r) => r.metric)])];
    for (const metric of metrics) {
      const a = metricValue(metric, bb);
      const b = metricValue(metric, nb);
      if (a === undefined || b === undefined) continue;
      const delta = b - a;
      const seA = standardError(metric, bb);
      const seB = standardError(metric, nb);
      const noise = seA === null || seB === null ? null : Math.sqrt(seA ** 2 + seB ** 2);
      const deltaPct = a === 0 ? null : delta / a;
      const significant =
        delta !== 0 && (noise === null ? Math.abs(deltaPct ?? Infinity) > 0.1 : Math.abs(delta) > 3 * noise);
      const worse = METRICS[metric].higherIsWorse ? delta > 0 : delta < 0;
      const failed = rules
        .filter((r) => r.metric === metric && significant && worse)
        .filter((r) =>
          r.relative !== undefined
            ? a === 0 || Math.abs(delta) / Math.abs(a) > r.relative
            : Math.abs(delta) > r.absolute!,
        )
        .map((r) => r.text);
      changes.push({ backend: nb.label, metric, base: a, next: b, delta, deltaPct, noise, significant, worse, failed });
    }
  }
  return {
    changes,
    onlyIn: {
      base: base.backends.filter((b) => !next.backends.some((n) => n.label === b.label)).map((b) => b.label),
      next: next.backends.filter((n) => !base.backends.some((b) => b.label === n.label)).map((n) => n.label),
    },
  };
}
