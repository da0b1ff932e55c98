/**
 * Zod field types for the scenario boundary: each accepts the text form a person writes and outputs
 * a plain number (or structure) with the unit in the name. Shared by the scenario schema, the
 * backends' option schemas and the toxics' parameters.
 */
import * as z from 'zod';
import {
  type Distribution,
  type Range,
  parseBytes,
  parseCount,
  parseDistribution,
  parseDurationMs,
  parseProbability,
  parseRange,
} from './units.js';

function show(v: unknown): string {
  return typeof v === 'string'
    ? JSON.stringify(v)
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'a list'
        : typeof v === 'object'
          ? 'a mapping'
          : String(v);
}

function boundary<T>(expected: string, parse: (v: unknown) => T | undefined, description: string) {
  return z
    .union([z.string(), z.number()], { error: (iss) => `expected ${expected}, got ${show(iss.input)}` })
    .transform((v, ctx): T => {
      const out = parse(v);
      if (out === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}`, input: v });
        return z.NEVER;
      }
      return out;
    })
    .meta({ description });
}

/** A duration like "250ms" or "1.5s", as milliseconds. */
export const durationMs = (what = 'a duration like "250ms" or "1.5s"') =>
  boundary<number>(what, parseDurationMs, 'A duration: a number with a unit, us | ms | s | m | h ("250ms", "1.5s").');

/** A size like 600, "4KB" or "64KiB", as bytes. */
export const bytes = () =>
  boundary<number>(
    'a size like 600, "4KB" or "64KiB"',
    parseBytes,
    'A size in bytes: a number, or with a unit B | KB | MB | KiB | MiB.',
  );

/** A count or a range of counts like "4..12". */
export const countRange = () =>
  boundary<Range>(
    'a whole number or a range like "4..12"',
    (v) => parseRange(v, parseCount),
    'A whole number or an inclusive range "min..max".',
  );

/** A duration or a range of durations like "200ms..1s". */
export const durationRange = () =>
  boundary<Range>(
    'a duration or a range like "200ms..1s"',
    (v) => parseRange(v, parseDurationMs),
    'A duration or an inclusive range "min..max" ("200ms..1s").',
  );

/** A size or a range of sizes like "50..400". */
export const bytesRange = () =>
  boundary<Range>(
    'a size or a range like "50..400"',
    (v) => parseRange(v, parseBytes),
    'A size in bytes or an inclusive range "min..max".',
  );

/** A duration distribution: "80ms", "50ms..120ms", "lognormal(80ms, 30ms)", "normal(..)", "exponential(80ms)". */
export const distribution = () =>
  boundary<Distribution>(
    'a duration like "80ms", a range like "50ms..120ms", or lognormal(mean, sd) / normal(mean, sd) / ' +
      'exponential(mean) with units',
    parseDistribution,
    'Simulated time: "80ms", "50ms..120ms" (uniform), "lognormal(80ms, 30ms)", "normal(80ms, 10ms)", ' +
      '"exponential(80ms)".',
  );

/** A probability as 0..1 or a percentage like "30%". */
export const probability = () =>
  boundary<number>(
    'a probability like 0.3 or "30%"',
    parseProbability,
    'A probability: 0..1, or a percentage like "30%".',
  );

/** A whole number >= min. */
export const int = (min = 0) => z.number().int().min(min);

export type { Distribution, Range };
