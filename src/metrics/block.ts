/**
 * From a recorder to the metrics block of the results: the same figures for a whole backend run
 * and for each of its phases.
 */
import type { MetricsBlock } from '../results/blocks.js';
import { ratio, round } from '../util/numbers.js';
import { summarize } from './histogram.js';
import type { Recorder } from './recorder.js';

/**
 * @param windowMs the time the turns were sent in (for rates per second)
 * @param sessions conversations to divide session loss by
 */
export function metricsOf(rec: Recorder, windowMs: number, sessions: number): MetricsBlock {
  const c = rec.counts;
  const turns = rec.turns;
  const withContext = rec.turnsWithContext;
  const windowSec = Math.max(windowMs, 1) / 1000;
  return {
    turns: { total: turns, ...c, withContext, lateStarts: rec.lateStarts, recovered: rec.recovered },
    rates: {
      turnLoss: ratio(c.lost, withContext),
      sessionLoss: ratio(rec.lostSessions.size, sessions),
      stale: ratio(c.stale, withContext),
      diverged: ratio(c.diverged, withContext),
      errors: ratio(c.fail + c.info, turns),
    },
    errorsByKind: { ...rec.errors },
    staleLagMean: ratio(rec.staleLagTurns, c.stale),
    latencyMs: rec.latencySummary(),
    serviceMs: rec.serviceSummary(),
    failedMs: rec.failedSummary(),
    throughput: {
      windowSec: round(windowSec, 3),
      offeredTurnsPerSec: turns > 0 ? round(turns / windowSec, 2) : null,
      achievedTurnsPerSec: turns > 0 ? round((turns - c.fail - c.info) / windowSec, 2) : null,
    },
    delivery: {
      ttftMs: summarize(rec.ttft),
      ttltMs: summarize(rec.ttlt),
      tokenGapMs: summarize(rec.tokenGap),
      deliveryMs: summarize(rec.delivery),
      tokens: rec.tokens,
      messagesPerSec: turns > 0 ? round((rec.tokens + rec.replies) / windowSec, 2) : null,
      requestsPerTurn: turns > 0 ? round(rec.requests / turns, 3) : null,
    },
  };
}
