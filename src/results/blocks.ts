/**
 * The parts of the results contract that metrics are read from: turn counts by outcome, rates,
 * latency summaries, Redis counts, memory. Zod schemas, so a results.json read back from disk is
 * checked against the same definition the run wrote it by (see schema.ts). Imports nothing of the
 * project: every other folder may depend on this one.
 *
 * No data is not zero: a figure over nothing (a latency with no successful turn, a rate with an
 * empty denominator, memory no instance reported) is null, printed "–", kept out of comparisons,
 * and a threshold on it fails with "no data".
 */
import * as z from 'zod';

const count = () => z.number().int().min(0);
const real = () => z.number();
/** A figure that is null when there was nothing to measure it over. */
const figure = () => z.number().nullable();

/** How the oracle scored a turn (docs/architecture.md, "What counts"). */
export const OUTCOMES = ['intact', 'lost', 'stale', 'diverged', 'fail', 'info'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OutcomeCountsSchema = z.object({
  intact: count().describe('The echoed context equals the expected one.'),
  lost: count().describe('Context expected, none found (or a new session issued).'),
  stale: count().describe('The echoed context is a strict, non-empty prefix of the expected one.'),
  diverged: count().describe('The echoed context is not a prefix of the expected one.'),
  fail: count().describe('A definite error before any write.'),
  info: count().describe('An indeterminate error (timeout, reset, 5xx after the handler ran).'),
});
/** A count per outcome. */
export type OutcomeCounts = z.output<typeof OutcomeCountsSchema>;

export const LatencySummarySchema = z.object({
  count: count(),
  mean: figure(),
  p50: figure(),
  p90: figure(),
  p99: figure(),
  p999: figure(),
  max: figure(),
});
/** A latency summary in ms (rounded to µs); every figure is null when `count` is 0. */
export type LatencySummary = z.output<typeof LatencySummarySchema>;

export const TurnCountsSchema = OutcomeCountsSchema.extend({
  total: count().describe('Measured turns with a result (cut turns are not counted).'),
  withContext: count().describe('Turns whose expected context was non-empty: the denominator of the turn loss rate.'),
  lateStarts: count().describe('Turns sent later than intended by more than the late-start threshold.'),
  recovered: count().describe('Indeterminate turns later found stored after all.'),
});
export type TurnCounts = z.output<typeof TurnCountsSchema>;

export const RatesSchema = z.object({
  turnLoss: figure().describe('lost / turns with expected context.'),
  sessionLoss: figure().describe('conversations with at least one lost turn / conversations.'),
  stale: figure().describe('stale / turns with expected context.'),
  diverged: figure().describe('diverged / turns with expected context.'),
  errors: figure().describe('(fail + info) / turns.'),
});
export type Rates = z.output<typeof RatesSchema>;

/** The metrics of one backend run, or of one of its phases. */
export const MetricsBlockSchema = z.object({
  turns: TurnCountsSchema,
  rates: RatesSchema,
  errorsByKind: z.record(z.string(), count()),
  staleLagMean: figure().describe('Mean lag of stale turns, in turns.'),
  latencyMs: LatencySummarySchema.describe('Successful turns (not fail/info), from the intended send time.'),
  serviceMs: LatencySummarySchema.describe('Successful turns, from the actual send.'),
  failedMs: LatencySummarySchema.describe(
    'Failed turns, from the intended send time: how long it took to learn of the error.',
  ),
  throughput: z.object({
    windowSec: real(),
    offeredTurnsPerSec: figure().describe('Turns sent per second (null without turns).'),
    achievedTurnsPerSec: figure().describe('Turns answered (not fail/info) per second (null without turns).'),
  }),
});
export type MetricsBlock = z.output<typeof MetricsBlockSchema>;

export const RedisCountsSchema = z.object({
  reads: count().describe("Session reads Redis counted (GET, HMGET, …) in the backend's whole run, warmup included."),
  writes: count().describe('Session writes Redis counted (SET, EVALSHA, …).'),
  readsPerTurn: figure().describe('reads / turns that carried a session cookie.'),
  writesPerTurn: figure().describe('writes / turns.'),
  byCommand: z.record(z.string(), count()),
});
export type RedisCounts = z.output<typeof RedisCountsSchema>;

export const MemorySchema = z.object({
  /** Sum and mean over the instances that reported their memory; null when none did. */
  rssTotalBytes: count().nullable(),
  rssMeanBytes: count().nullable(),
});
export type Memory = z.output<typeof MemorySchema>;

/** What metrics of the whole backend run (not per phase) are read from. */
export interface BackendFigures {
  redis: RedisCounts | null;
  memory: Memory;
  /** Present with a capacity search (load.steps). */
  capacity?: { conversationsPerSec: number | null; turnsPerSec: number | null } | undefined;
}
