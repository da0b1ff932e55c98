/**
 * Two runs compare figure by figure only when the same load met the same system: compare says when
 * they are not comparable, and judges throughput against the offered load.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns, incomparable } from '../../../src/gates/compare.js';
import { fixtureResults } from '../../helpers/fixtures.js';

describe('comparability', () => {
  it('same scenario, seed and options: comparable, whatever the name or the backends picked', () => {
    const base = fixtureResults();
    const next = fixtureResults({ name: 'renamed' });
    next.backends = [next.backends[1]!];
    expect(incomparable(base, next)).toEqual([]);
  });

  it('names every reason two runs are not comparable', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    (next.scenario.load as unknown as { phases: { duration: number; arrivalRate: number }[] }).phases[0]!.arrivalRate =
      40;
    next.seed = 7;
    next.backends[1]!.options = { codec: 'msgpack' };
    next.interrupted = true;
    expect(incomparable(base, next)).toEqual([
      "the scenarios' load differ",
      'the seeds differ (42 and 7)',
      'backend redis has other options',
      'the new run was interrupted',
    ]);
    expect(compareRuns(base, next).incomparable).toHaveLength(4);
  });

  it('judges raw throughput only under the same offered load; goodput always', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    const t = next.backends[1]!.throughput;
    // Four times the offered load, every turn answered: turns/s is "higher" but says nothing.
    next.backends[1]!.throughput = {
      ...t,
      offeredTurnsPerSec: t.offeredTurnsPerSec! * 4,
      achievedTurnsPerSec: t.achievedTurnsPerSec! * 4,
    };
    for (const s of next.backends[1]!.series) s.turns *= 4;
    const cmp = compareRuns(base, next, [{ metric: 'turns_per_sec', text: 'turns_per_sec:+1%', relative: 0.01 }]);
    const tps = cmp.changes.find((c) => c.backend === 'redis' && c.metric === 'turns_per_sec')!;
    expect(tps).toMatchObject({ significant: false, note: expect.stringContaining('offered load differs') });
    const goodput = cmp.changes.find((c) => c.backend === 'redis' && c.metric === 'goodput')!;
    expect(goodput).toMatchObject({ base: 1, next: 1, significant: false });
  });
});
