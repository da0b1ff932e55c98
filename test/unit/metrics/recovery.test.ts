import { describe, expect, it } from 'vitest';
import type { SecondStats } from '../../../src/results/schema.js';
import { baselineBand, timeToRecover } from '../../../src/metrics/recovery.js';

const sec = (t: number, intact: number, turns: number, p99: number): SecondStats => ({
  t, turns, intact, lost: 0, stale: 0, diverged: 0, fail: turns - intact, info: 0, p50: p99 / 2, p99,
});

const series = [
  sec(0, 50, 50, 20), sec(1, 49, 50, 22), sec(2, 50, 50, 21), sec(3, 50, 50, 20), // baseline
  sec(4, 10, 50, 900), sec(5, 0, 50, 0), sec(6, 5, 50, 800), // fault 4..7
  sec(7, 30, 50, 300), sec(8, 48, 50, 25), sec(9, 50, 50, 21), // recovery
];

describe('recovery', () => {
  it('takes its band from the baseline seconds', () => {
    const band = baselineBand(series, 0, 4)!;
    expect(band.minSuccess).toBeGreaterThan(0.9);
    expect(band.minSuccess).toBeLessThan(0.96);
    expect(band.maxP99).toBeGreaterThanOrEqual(30);
    expect(band.maxP99).toBeLessThan(40);
    expect(baselineBand(series, 20, 30)).toBeUndefined();
  });

  it('measures from the fault end to the first second back in the band', () => {
    const band = baselineBand(series, 0, 4)!;
    expect(timeToRecover(series, band, 7)).toBe(1);
    expect(timeToRecover(series, band, 6.5)).toBe(1.5);
  });

  it('says never when no second is back in the band', () => {
    const band = baselineBand(series, 0, 4)!;
    expect(timeToRecover(series.slice(0, 8), band, 7)).toBeNull();
  });
});
