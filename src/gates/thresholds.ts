/**
 * Thresholds, k6-style: per backend (or "*"), a metric, optionally filtered to a phase with k6's tag
 * syntax, and one or more conditions:
 *
 *   thresholds:
 *     redis:    { "latency.p99": "< 400ms", "session_loss": "< 0.5%" }
 *     "*":      { "errors": ["< 2%"], "latency.p99{phase:fault}": "< 1s" }
 *     two-tier: { "errors": { threshold: "< 1%", abortOnFail: true, delayAbortEval: 5s } }
 *
 * Phases: baseline, fault (every fault window), recovery, a fault's `name`, or fault[i].
 */
import {
  METRICS,
  METRIC_NAMES,
  type MetricDef,
  type MetricKind,
  type MetricName,
  metricValue,
} from '../results/metrics.js';
import type { MetricsBlock } from '../results/blocks.js';
import type { BackendResult, RunResults, ThresholdResult } from '../results/schema.js';
import { didYouMean } from '../util/did-you-mean.js';
import { parseBytes, parseDurationMs } from '../util/units.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdSpec {
  /** Backend label, or "*" for every backend. */
  scope: string;
  metric: MetricName;
  /** baseline | fault | recovery | fault[i] | a fault name; absent: the whole run. */
  phase?: string;
  op: Operator;
  /** In the metric's base unit (ms, fraction, bytes, number). */
  value: number;
  /** As written, for reports: "< 300ms". */
  text: string;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

const EXPR_RE = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z%]*)\s*$/;
const KEY_RE = /^([a-z_.0-9]+)(?:\{phase:([^}]+)\})?$/;

const UNIT_HELP: Record<MetricKind, string> = {
  duration: 'a duration like "< 300ms" or "<= 1.5s"',
  ratio: 'a share like "< 0.5%" or "< 0.005"',
  number: 'a plain number like "> 100"',
  bytes: 'a size like "< 200MB"',
};

/** `{ op, value }` of an expression for a metric of this kind, or a message. */
export function parseExpression(text: string, kind: MetricKind): { op: Operator; value: number } | string {
  const m = EXPR_RE.exec(text);
  if (!m) return `expected an operator (<, <=, >, >=, ==, !=) and ${UNIT_HELP[kind]}, got ${JSON.stringify(text)}`;
  const op = m[1] as Operator;
  const [num, unit] = [m[2]!, m[3]!];
  let value: number | undefined;
  if (kind === 'duration') value = unit === '' ? Number(num) : parseDurationMs(`${num}${unit}`);
  else if (kind === 'ratio') value = unit === '%' ? Number(num) / 100 : unit === '' ? Number(num) : undefined;
  else if (kind === 'bytes') value = parseBytes(`${num}${unit}`);
  else value = unit === '' ? Number(num) : undefined;
  if (value === undefined) return `expected ${UNIT_HELP[kind]}, got ${JSON.stringify(text)}`;
  return { op, value };
}

export function compare(observed: number, op: Operator, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

export type ThresholdValue = string | string[] | { threshold: string; abortOnFail: boolean; delayAbortEval: number };

/** A problem with its key path below `thresholds`. */
export interface ThresholdProblem {
  path: (string | number)[];
  message: string;
}

/** A backend of the scenario as thresholds see it. */
export interface ThresholdLabel {
  label: string;
  usesRedis: boolean;
}

/**
 * Resolve the scenario's thresholds; problems (unknown backend, metric or phase, malformed
 * expression) are returned with their paths instead of specs.
 */
export function resolveThresholds(
  raw: Record<string, Record<string, ThresholdValue>>,
  labels: readonly ThresholdLabel[],
  faults: readonly { name?: string | undefined }[],
  capacitySearch = false,
): { specs: ThresholdSpec[]; problems: ThresholdProblem[] } {
  const specs: ThresholdSpec[] = [];
  const problems: ThresholdProblem[] = [];
  const names = labels.map((l) => l.label);
  const phases = [
    'baseline',
    'fault',
    'recovery',
    ...faults.map((_, i) => `fault[${i}]`),
    ...faults.flatMap((f) => (f.name ? [f.name] : [])),
  ];
  for (const [scope, entries] of Object.entries(raw)) {
    if (scope !== '*' && !names.includes(scope)) {
      problems.push({
        path: [scope],
        message:
          `no backend labelled "${scope}" in this scenario${didYouMean(scope, names)}; ` +
          `expected "*" or one of ${names.join(', ')}`,
      });
      continue;
    }
    for (const [key, value] of Object.entries(entries)) {
      const k = KEY_RE.exec(key);
      const metric = k?.[1];
      if (!k || !METRIC_NAMES.includes(metric as MetricName)) {
        problems.push({
          path: [scope, key],
          message:
            `unknown metric "${metric ?? key}"${didYouMean(metric ?? key, METRIC_NAMES)}; ` +
            `expected one of ${METRIC_NAMES.join(', ')}, optionally with {phase:…}`,
        });
        continue;
      }
      const def = METRICS[metric as MetricName];
      const phase = k[2];
      if (phase !== undefined) {
        if (!('phase' in def))
          problems.push({ path: [scope, key], message: `${metric} is measured for the whole run only, not per phase` });
        else if (faults.length === 0)
          problems.push({ path: [scope, key], message: 'a phase needs faults: this scenario has none' });
        else if (!phases.includes(phase))
          problems.push({
            path: [scope, key],
            message: `unknown phase "${phase}"${didYouMean(phase, phases)}; expected one of ${phases.join(', ')}`,
          });
      }
      if (metric!.startsWith('capacity') && !capacitySearch) {
        problems.push({ path: [scope, key], message: `${metric} needs a capacity search: load.steps with an slo` });
      }
      if (
        scope !== '*' &&
        'backend' in def &&
        (def as MetricDef).needsRedis &&
        !labels.find((l) => l.label === scope)!.usesRedis
      ) {
        problems.push({
          path: [scope, key],
          message: `${metric} needs a Redis-backed backend; ${scope} does not use Redis`,
        });
      }
      const conditions =
        typeof value === 'string'
          ? [{ text: value, i: undefined }]
          : Array.isArray(value)
            ? value.map((text, i) => ({ text, i }))
            : [{ text: value.threshold, i: 'threshold' as const }];
      for (const { text, i } of conditions) {
        const parsed = parseExpression(text, def.kind);
        if (typeof parsed === 'string') {
          problems.push({ path: i === undefined ? [scope, key] : [scope, key, i], message: parsed });
          continue;
        }
        specs.push({
          scope,
          metric: metric as MetricName,
          ...(phase !== undefined ? { phase } : {}),
          ...parsed,
          text: text.trim(),
          abortOnFail: typeof value === 'object' && !Array.isArray(value) ? value.abortOnFail : false,
          delayAbortEvalMs: typeof value === 'object' && !Array.isArray(value) ? value.delayAbortEval : 0,
        });
      }
    }
  }
  return { specs, problems };
}

/** The phase results a threshold's phase filter selects in one backend's results. */
function blocksFor(
  spec: ThresholdSpec,
  b: BackendResult,
  run: RunResults,
): { phase: string | null; block: MetricsBlock }[] {
  if (spec.phase === undefined) return [{ phase: null, block: b }];
  const idx = /^fault\[(\d+)\]$/.exec(spec.phase);
  const byName = idx ? run.faults[Number(idx[1])]?.name : spec.phase;
  return b.phases
    .filter((p) =>
      spec.phase === 'fault'
        ? p.kind === 'fault'
        : spec.phase === 'baseline' || spec.phase === 'recovery'
          ? p.kind === spec.phase
          : p.name === byName,
    )
    .map((p) => ({ phase: p.name, block: p }));
}

/**
 * Every threshold checked against the results: one verdict per backend of the scenario (and per
 * phase). No data fails: a backend that did not run, a phase that never happened or had no turns
 * give `observed: null` and `ok: false`. A metric a backend doesn't have (Redis counts of `memory`)
 * under "*" gives no verdict.
 */
export function evaluateThresholds(
  specs: readonly ThresholdSpec[],
  run: RunResults,
  backends: readonly ThresholdLabel[],
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const spec of specs) {
    for (const { label, usesRedis } of backends) {
      if (spec.scope !== '*' && spec.scope !== label) continue;
      const verdict = (phase: string | null, observed: number | null) =>
        out.push({
          backend: label,
          metric: spec.metric,
          phase,
          threshold: spec.text,
          observed,
          ok: observed !== null && compare(observed, spec.op, spec.value),
        });
      const b = run.backends.find((x) => x.label === label);
      if (!b) {
        if (!(METRICS[spec.metric] as MetricDef).needsRedis || usesRedis) verdict(spec.phase ?? null, null);
        continue;
      }
      const blocks = blocksFor(spec, b, run);
      if (blocks.length === 0) verdict(spec.phase ?? null, null);
      for (const { phase, block } of blocks) {
        const observed = metricValue(spec.metric, b, block);
        if (observed !== undefined) verdict(phase, observed);
      }
    }
  }
  return out;
}
