/**
 * Zod field types for the scenario boundary: each accepts the text form a person writes and outputs
 * a plain number (or structure) with the unit in the name. Each takes bounds, so a value that
 * validates is one the run can use (no phase of 3.6e23 s, no model time the service refuses), and
 * carries a `format` (see FIELD_FORMATS) that the JSON Schema turns into the same patterns, so an
 * editor accepts exactly what the CLI accepts. Shared by the scenario schema, the backends' option
 * schemas and the toxics' parameters.
 */
import * as z from 'zod';
import {
  type Distribution,
  type Range,
  formatDurationMs,
  parseBytes,
  parseCount,
  parseDistribution,
  parseDurationMs,
  parseProbability,
  parseRange,
} from './units.js';

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : String(v);
}

/** The text forms a field accepts, as JSON Schema (used by the scenario's `schema` command). */
export const FIELD_FORMATS = {
  duration: { type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(us|ms|s|m|h)\\s*$' },
  size: {
    type: ['string', 'integer'],
    pattern: '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*([kKmMgG][iI]?[bB]|[bB])?\\s*$',
    minimum: 0,
  },
  countRange: { type: ['string', 'integer'], pattern: '^\\s*\\d+\\s*(\\.\\.\\s*\\d+\\s*)?$', minimum: 0 },
  durationRange: { type: 'string', pattern: '^[^.]+(\\.\\.[^.]+)?$' },
  sizeRange: { type: ['string', 'integer'], pattern: '^[^.]+(\\.\\.[^.]+)?$', minimum: 0 },
  distribution: {
    type: 'string',
    pattern: '^\\s*((uniform|normal|lognormal|exponential)\\(.*\\)|[^()]+)\\s*$',
  },
  probability: { type: ['string', 'number'], pattern: '^\\s*\\d+(\\.\\d+)?%\\s*$', minimum: 0, maximum: 1 },
} as const;
export type FieldFormat = keyof typeof FIELD_FORMATS;

/**
 * A field read from its text form by `parse`; `check` bounds the result and says why it is out of
 * bounds. The message always says what was expected and what was found.
 */
function boundary<T>(
  format: FieldFormat,
  expected: string,
  parse: (v: unknown) => T | undefined,
  check: (v: T) => string | undefined,
  description: string,
) {
  return z
    .union([z.string(), z.number()], { error: (iss) => `expected ${expected}, got ${show(iss.input)}` })
    .transform((v, ctx): T => {
      const out = parse(v);
      const problem = out === undefined ? `expected ${expected}` : check(out);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: `${problem}, got ${show(v)}`, input: v });
        return z.NEVER;
      }
      return out as T;
    })
    .meta({ description, format });
}

/** Bounds in the field's own unit (ms, bytes, a count). */
export interface Bounds {
  min?: number;
  max?: number;
}

const within = (x: number, b: Bounds, text: (n: number) => string): string | undefined =>
  b.min !== undefined && x < b.min
    ? `expected at least ${text(b.min)}`
    : b.max !== undefined && x > b.max
      ? `expected at most ${text(b.max)}`
      : undefined;

const bytesText = (n: number) =>
  n % 1024 ** 2 === 0 && n > 0 ? `${n / 1024 ** 2}MiB` : n % 1024 === 0 && n > 0 ? `${n / 1024}KiB` : `${n} bytes`;

/** A duration like "250ms" or "1.5s", as milliseconds. */
export const durationMs = (b: Bounds = {}) =>
  boundary<number>(
    'duration',
    'a duration like "250ms" or "1.5s"',
    parseDurationMs,
    (x) => within(x, b, formatDurationMs),
    'A duration: a number with a unit, us | ms | s | m | h ("250ms", "1.5s").',
  );

/** A size like 600, "4KB" or "64KiB", as bytes. */
export const bytes = (b: Bounds = {}) =>
  boundary<number>(
    'size',
    'a size like 600, "4KB" or "64KiB"',
    parseBytes,
    (x) => within(x, b, bytesText),
    'A size in bytes: a number, or with a unit B | KB | MB | KiB | MiB.',
  );

const rangeWithin = (r: Range, b: Bounds, text: (n: number) => string) =>
  within(r.min, b, text) ?? within(r.max, b, text);

/** A count or a range of counts like "4..12". */
export const countRange = (b: Bounds = {}) =>
  boundary<Range>(
    'countRange',
    'a whole number or a range like "4..12"',
    (v) => parseRange(v, parseCount),
    (r) => rangeWithin(r, b, String),
    'A whole number or an inclusive range "min..max".',
  );

/** A duration or a range of durations like "200ms..1s". */
export const durationRange = (b: Bounds = {}) =>
  boundary<Range>(
    'durationRange',
    'a duration or a range like "200ms..1s"',
    (v) => parseRange(v, parseDurationMs),
    (r) => rangeWithin(r, b, formatDurationMs),
    'A duration or an inclusive range "min..max" ("200ms..1s").',
  );

/** A size or a range of sizes like "50..400". */
export const bytesRange = (b: Bounds = {}) =>
  boundary<Range>(
    'sizeRange',
    'a size or a range like "50..400"',
    (v) => parseRange(v, parseBytes),
    (r) => rangeWithin(r, b, bytesText),
    'A size in bytes or an inclusive range "min..max".',
  );

/** The largest value a distribution's draws centre on: its constant, its upper bound or its mean. */
export function distributionCentreMs(d: Distribution): number {
  return d.kind === 'constant' ? d.valueMs : d.kind === 'uniform' ? d.maxMs : d.meanMs;
}

/** A duration distribution: "80ms", "50ms..120ms", "lognormal(80ms, 30ms)", "normal(..)", "exponential(80ms)". */
export const distribution = (b: Bounds = {}) =>
  boundary<Distribution>(
    'distribution',
    'a duration like "80ms", a range like "50ms..120ms", ' +
      'or lognormal(mean, sd) / normal(mean, sd) / exponential(mean) with units',
    parseDistribution,
    (d) => within(distributionCentreMs(d), b, formatDurationMs),
    'Simulated time: "80ms", "50ms..120ms" (uniform), "lognormal(80ms, 30ms)", "normal(80ms, 10ms)", ' +
      '"exponential(80ms)".',
  );

/** A probability as 0..1 or a percentage like "30%". */
export const probability = () =>
  boundary<number>(
    'probability',
    'a probability like 0.3 or "30%"',
    parseProbability,
    () => undefined,
    'A probability: 0..1, or a percentage like "30%".',
  );

/** A whole number >= min. */
export const int = (min = 0) => z.number().int().min(min);

export type { Distribution, Range };
