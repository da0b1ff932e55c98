import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { compareRuns, parseFailOn } from '../../../src/gates/compare.js';
import { renderComparison } from '../../../src/report/compare-md.js';
import { fixtureResults } from '../../helpers/fixtures.js';

describe('compareRuns', () => {
  it('finds nothing significant between a run and itself', () => {
    const a = fixtureResults();
    const { changes } = compareRuns(a, fixtureResults(), parseFailOn('latency.p99:+10%'));
    expect(changes.length).toBeGreaterThan(10);
    expect(changes.filter((c) => c.significant)).toEqual([]);
    expect(changes.filter((c) => c.failed.length)).toEqual([]);
  });

  it('flags a latency regression larger than the noise, only where it happened', () => {
    const base = fixtureResults();
    const next = fixtureResults({ redisP50: 40, redisP99: 60 });
    const { changes } = compareRuns(base, next, parseFailOn('latency.p99:+10%,turn_loss:+0.1pp'));
    const redisP99 = changes.find((c) => c.backend === 'redis' && c.metric === 'latency.p99')!;
    expect(redisP99).toMatchObject({ base: 25, next: 60, delta: 35, significant: true, worse: true, failed: ['latency.p99:+10%'] });
    expect(redisP99.deltaPct).toBeCloseTo(1.4);
    expect(changes.filter((c) => c.backend === 'memory' && c.significant)).toEqual([]);
  });

  it('does not fail a rule for a change within its limit', () => {
    const { changes } = compareRuns(fixtureResults(), fixtureResults({ redisP50: 20, redisP99: 26 }), parseFailOn('latency.p99:+10%'));
    const c = changes.find((x) => x.backend === 'redis' && x.metric === 'latency.p99')!;
    expect(c.failed).toEqual([]);
  });

  it('treats lower throughput as worse and lower latency as better', () => {
    const base = fixtureResults();
    const next = fixtureResults({ redisP50: 10, redisP99: 15 });
    // The new run's redis served half the turns per second (its per-second series agree).
    const redis = next.backends[1]!;
    redis.throughput.achievedTurnsPerSec! /= 2;
    for (const s of redis.series) s.turns = 25 + (s.t % 3) - 1;
    const { changes } = compareRuns(base, next, parseFailOn('turns_per_sec:+10%,latency.p50:+10%'));
    const tput = changes.find((x) => x.backend === 'redis' && x.metric === 'turns_per_sec')!;
    expect(tput).toMatchObject({ base: 50, next: 25, significant: true, worse: true, failed: ['turns_per_sec:+10%'] });
    const lat = changes.find((x) => x.backend === 'redis' && x.metric === 'latency.p50')!;
    expect(lat).toMatchObject({ base: 20, next: 10, significant: true, worse: false, failed: [] });
    // And the other way round: more throughput is better.
    const back = compareRuns(next, base).changes.find((x) => x.backend === 'redis' && x.metric === 'turns_per_sec')!;
    expect(back).toMatchObject({ significant: true, worse: false });
  });

  it('renders Markdown with the verdicts', () => {
    const base = fixtureResults();
    const next = fixtureResults({ redisP50: 40, redisP99: 60 });
    const md = renderComparison(base, next, compareRuns(base, next, parseFailOn('latency.p99:+10%')));
    expect(md).toContain('**1 regression beyond the allowed limits.**');
    expect(md).toMatch(/\| redis \| latency\.p99 \| 25\.0ms \| 60\.0ms \| \+35\.0ms \| \+140\.0 % \| \*\*FAIL\*\* \(latency\.p99:\+10%\) \|/);
  });
});

describe('parseFailOn', () => {
  it('reads relative, percentage-point and absolute limits', () => {
    expect(parseFailOn('latency.p99:+10%,turn_loss:+0.1pp,latency.p50:+5ms,turns_per_sec:+20')).toEqual([
      { metric: 'latency.p99', text: 'latency.p99:+10%', relative: 0.1 },
      { metric: 'turn_loss', text: 'turn_loss:+0.1pp', absolute: 0.001 },
      { metric: 'latency.p50', text: 'latency.p50:+5ms', absolute: 5 },
      { metric: 'turns_per_sec', text: 'turns_per_sec:+20', absolute: 20 },
    ]);
  });

  it('rejects unknown metrics and units that do not fit', () => {
    expect(() => parseFailOn('latncy.p99:+10%')).toThrow(UsageError);
    expect(() => parseFailOn('latncy.p99:+10%')).toThrow(/did you mean "latency.p99"/);
    expect(() => parseFailOn('turn_loss:+5ms')).toThrow(/takes a limit in % or pp/);
    expect(() => parseFailOn('latency.p99')).toThrow(/expected metric:\+limit/);
  });
});
