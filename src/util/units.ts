/**
 * Parsers for the human-friendly values of a scenario file: durations ("250ms", "1.5s", "2m"),
 * sizes ("600", "4KB", "1MiB"), ranges ("4..12", "200ms..1s") and distributions
 * ("lognormal(80ms, 30ms)"). They run at the scenario boundary only; inside sessbench every value is
 * a plain number with its unit in the name (`timeoutMs`, `bytes`).
 *
 * Each parser returns the value, or undefined when the text is not of that kind; the schema turns
 * undefined into a message that says what was expected and what was found.
 */

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(`^${NUMBER}\\s*(us|ms|s|m|h)$`);
const SIZE_RE = new RegExp(`^${NUMBER}\\s*([kmg]i?b|b)?$`, 'i');

/** Milliseconds from "250ms", "1.5s", "2m", "1h", "500us"; 0 is accepted bare. */
export function parseDurationMs(input: unknown): number | undefined {
  if (input === 0) return 0;
  if (typeof input !== 'string') return undefined;
  const m = DURATION_RE.exec(input.trim());
  if (!m) return undefined;
  return Number(m[1]) * (DURATION_UNITS[m[2]!] ?? NaN);
}

/** Bytes from a number or "600", "4KB", "64KiB", "1MB". */
export function parseBytes(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = SIZE_RE.exec(input.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? NaN);
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

/** A probability from 0.3 or "30%"; undefined outside 0..1. */
export function parseProbability(input: unknown): number | undefined {
  const n =
    typeof input === 'number'
      ? input
      : typeof input === 'string' && /^\d+(\.\d+)?%$/.test(input.trim())
        ? Number(input.trim().slice(0, -1)) / 100
        : NaN;
  return n >= 0 && n <= 1 ? n : undefined;
}

/** An inclusive range of numbers; `min === max` for a single value. */
export interface Range {
  min: number;
  max: number;
}

/**
 * A range "a..b" whose ends are parsed by `one`, or a single value parsed by `one`.
 * Undefined when either end fails or `min > max`.
 */
export function parseRange(input: unknown, one: (v: unknown) => number | undefined): Range | undefined {
  if (typeof input === 'string' && input.includes('..')) {
    const parts = input.split('..');
    if (parts.length !== 2) return undefined;
    const min = one(coerceNumeric(parts[0]!.trim()));
    const max = one(coerceNumeric(parts[1]!.trim()));
    if (min === undefined || max === undefined || min > max) return undefined;
    return { min, max };
  }
  const v = one(input);
  return v === undefined ? undefined : { min: v, max: v };
}

/** A whole number >= 0 (for counts inside ranges like "4..12"). */
export function parseCount(input: unknown): number | undefined {
  return typeof input === 'number' && Number.isInteger(input) && input >= 0 ? input : undefined;
}

function coerceNumeric(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

/** A random distribution of a duration, in milliseconds. */
export type Distribution =
  | { kind: 'constant'; valueMs: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'normal'; meanMs: number; sdMs: number }
  | { kind: 'lognormal'; meanMs: number; sdMs: number }
  | { kind: 'exponential'; meanMs: number };

const DIST_RE = /^(uniform|normal|lognormal|exponential)\(\s*([^,()]+?)\s*(?:,\s*([^,()]+?)\s*)?\)$/;

/**
 * "80ms" (constant), "50ms..120ms" (uniform), "normal(80ms, 30ms)", "lognormal(80ms, 30ms)"
 * (mean and standard deviation of the distribution itself, not of its logarithm),
 * "exponential(80ms)" (mean).
 */
export function parseDistribution(input: unknown): Distribution | undefined {
  if (typeof input === 'string') {
    const m = DIST_RE.exec(input.trim());
    if (m) {
      const a = parseDurationMs(m[2]);
      const b = m[3] === undefined ? undefined : parseDurationMs(m[3]);
      if (a === undefined) return undefined;
      switch (m[1]) {
        case 'exponential':
          return b === undefined && m[3] === undefined ? { kind: 'exponential', meanMs: a } : undefined;
        case 'uniform':
          return b !== undefined && a <= b ? { kind: 'uniform', minMs: a, maxMs: b } : undefined;
        case 'normal':
        case 'lognormal':
          return b !== undefined && (m[1] === 'normal' || a > 0) ? { kind: m[1], meanMs: a, sdMs: b } : undefined;
      }
      return undefined;
    }
    const r = parseRange(input, parseDurationMs);
    if (r)
      return r.min === r.max ? { kind: 'constant', valueMs: r.min } : { kind: 'uniform', minMs: r.min, maxMs: r.max };
    return undefined;
  }
  const v = parseDurationMs(input);
  return v === undefined ? undefined : { kind: 'constant', valueMs: v };
}

/** "1.5s", "250ms": the shortest faithful text for a duration, for reports. */
export function formatDurationMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms * 1000) / 1000}ms`;
}
