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

/** How replies reached the client: token timing, delivery delay, requests per turn. */
export const DeliverySchema = z.object({
  ttftMs: LatencySummarySchema.describe(
    'Time to first token of successful turns, from the intended send time (a non-streaming reply is one token).',
  ),
  ttltMs: LatencySummarySchema.describe('Time to the last token, from the intended send time.'),
  tokenGapMs: LatencySummarySchema.describe('Every gap between two tokens of a reply: p99 and the longest stall.'),
  deliveryMs: LatencySummarySchema.describe(
    "Added delivery delay: from the actual send to the reply, less the service's own time for the turn.",
  ),
  tokens: count().describe('Tokens received.'),
  messagesPerSec: figure().describe('Tokens and replies received per second (null without turns).'),
  requestsPerTurn: figure().describe('HTTP requests (or WebSocket messages sent) per turn (null without turns).'),
});
export type Delivery = z.output<typeof DeliverySchema>;

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
  delivery: DeliverySchema.optional().describe('Token timing and delivery; absent in results older than schema 3.'),
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

/** The client's connections over a backend's run (persistent transports, and reconnects). */
export const ConnectionsSchema = z.object({
  transport: z.string().describe('The transport the backend ran with.'),
  connects: count().describe('Connections opened (WebSocket; SSE and HTTP reuse keep-alive connections).'),
  connectMs: LatencySummarySchema.describe('Time to open a connection (WebSocket: through the upgrade).'),
  openMax: count().describe('Most connections open at once.'),
  reconnects: count().describe('Reconnects after a connection broke (reset, instance killed).'),
  reconnectsByInstance: z.array(count()).describe('Reconnects by the instance whose connection broke.'),
  disconnectedSec: real().describe('Time conversations spent without a connection, summed.'),
  resent: count().describe('Unanswered turns sent again with the same turn id after a reconnect.'),
  repeats: count().describe('Resent turns the service had already stored: answered once more, counted once.'),
  abandoned: count().describe('Conversations that gave up after the last reconnect attempt.'),
  memoryPerConnectionBytes: figure().describe(
    "The driver's resident memory growth per open connection at the most connections (null below 1000 open).",
  ),
});
export type Connections = z.output<typeof ConnectionsSchema>;

export const SizeSummarySchema = z.object({
  count: count().describe('Sessions saved (every save counts once).'),
  mean: count(),
  p50: count(),
  p99: count(),
  max: count(),
});
/** Encoded session sizes in bytes, as stored: count, mean and max exact, percentiles within 1.6 %. */
export type SizeSummary = z.output<typeof SizeSummarySchema>;

export const BytesPerTurnSchema = z.object({
  read: figure().describe('Bytes the store read from Redis or peers per turn that carried a session cookie.'),
  written: figure().describe('Bytes the store wrote to Redis or peers per turn.'),
});
/** Store traffic per turn, like Redis r/turn and w/turn; null when the store sent nothing anywhere. */
export type BytesPerTurn = z.output<typeof BytesPerTurnSchema>;

export const RedisMemorySchema = z.object({
  usedBytes: count().describe("Redis's used_memory at the end of the backend's run."),
  usedAtStartBytes: count().describe('used_memory at its start, after the keyspace was emptied.'),
  keys: count().describe("The backend's session keys in Redis at the end."),
  sampledKeys: count().describe('Keys whose MEMORY USAGE was read (up to 100).'),
  keyBytesMean: figure().describe('Mean MEMORY USAGE of the sampled keys: what one session costs Redis.'),
});
/** What the sessions cost Redis's memory at the end of a backend's run. */
export type RedisMemory = z.output<typeof RedisMemorySchema>;

/** What metrics of the whole backend run (not per phase) are read from. */
export interface BackendFigures {
  redis: RedisCounts | null;
  memory: Memory;
  /** Present with a capacity search (load.steps). */
  capacity?: { conversationsPerSec: number | null; turnsPerSec: number | null } | undefined;
  connections?: Connections;
  /** Null when the store keeps no encoded sessions, or saved none. */
  sessionBytes: SizeSummary | null;
  bytesPerTurn: BytesPerTurn;
  /** Null for a backend without Redis, or on several Redis nodes. */
  redisMemory: RedisMemory | null;
}
