/**
 * Time to recover: the first second after a fault ends whose success rate (intact turns / turns)
 * and p99 are back within the baseline's band. The band comes from the baseline's own per-second
 * spread, so noisy baselines get a wider band: success rate at least the baseline's mean minus
 * max(5 points, 3 sd); p99 at most the baseline's mean plus max(50 %, 3 sd, 5 ms).
 */
import type { SecondStats } from '../results/schema.js';

function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, sd };
}

export interface Band {
  minSuccess: number;
  maxP99: number;
}

/** The band of the seconds in [fromSec, toSec); undefined when the baseline has no turns. */
export function baselineBand(series: readonly SecondStats[], fromSec: number, toSec: number): Band | undefined {
  const secs = series.filter((s) => s.t >= fromSec && s.t + 1 <= toSec && s.turns > 0);
  const p99s = secs.flatMap((s) => (s.p99 === null ? [] : [s.p99]));
  if (secs.length === 0 || p99s.length === 0) return undefined;
  const rate = meanSd(secs.map((s) => s.intact / s.turns));
  const p99 = meanSd(p99s);
  return {
    minSuccess: rate.mean - Math.max(0.05, 3 * rate.sd),
    maxP99: p99.mean + Math.max(0.5 * p99.mean, 3 * p99.sd, 5),
  };
}

/** Seconds from `fromSec` to the start of the first second in the band; null if none in the run. */
export function timeToRecover(series: readonly SecondStats[], band: Band, fromSec: number): number | null {
  for (const s of series) {
    if (s.t < Math.ceil(fromSec) || s.turns === 0) continue;
    if (s.intact / s.turns >= band.minSuccess && s.p99 !== null && s.p99 <= band.maxP99) {
      return Math.round((s.t - fromSec) * 10) / 10;
    }
  }
  return null;
}
