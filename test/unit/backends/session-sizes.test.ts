import { describe, expect, it } from 'vitest';
import { SessionSizes, sizeSummary } from '../../../src/backends/session-sizes.js';

describe('session sizes', () => {
  it('summarises the saves: count, mean and max exact, percentiles within 1.6 %', () => {
    const s = new SessionSizes();
    for (let i = 1; i <= 1000; i++) s.record(i * 37);
    const sum = sizeSummary([s.counts()])!;
    expect(sum).toMatchObject({ count: 1000, mean: Math.round((37 * 1001) / 2), max: 37_000 });
    expect(sum.p50 / (500 * 37)).toBeGreaterThanOrEqual(1);
    expect(sum.p50 / (500 * 37)).toBeLessThan(1.016);
    expect(sum.p99 / (990 * 37)).toBeGreaterThanOrEqual(1);
    expect(sum.p99 / (990 * 37)).toBeLessThan(1.016);
  });

  it("merges the instances' counts, and is no data when nothing was saved", () => {
    const a = new SessionSizes();
    const b = new SessionSizes();
    for (let i = 0; i < 99; i++) a.record(100);
    b.record(100_000);
    expect(sizeSummary([a.counts(), null, b.counts()])).toEqual({
      count: 100,
      mean: Math.round((99 * 100 + 100_000) / 100),
      p50: 100,
      p99: 100,
      max: 100_000,
    });
    expect(sizeSummary([new SessionSizes().counts(), null, undefined])).toBeNull();
    // The encoded counts survive the IPC channel (JSON).
    expect(sizeSummary([JSON.parse(JSON.stringify(b.counts()))])!.max).toBe(100_000);
  });
});
