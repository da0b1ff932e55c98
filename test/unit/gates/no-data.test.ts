/**
 * No data is not zero: a threshold over a phase that never happened, a phase with no turns or a
 * backend that never ran fails with "no data"; a comparison leaves such figures out.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../src/gates/compare.js';
import { evaluateThresholds } from '../../../src/gates/thresholds.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const scenario = (thresholds: string) =>
  parseScenario(
    `name: t
backends: [memory, redis]
load: { phases: [{ duration: 20s, arrivalRate: 5 }] }
faults:
  - { at: 6s, duration: 5s, target: redis, latency: 5ms, name: hiccup }
  - { at: 15s, duration: 2s, target: redis, down: true, name: outage }
thresholds:
${thresholds}`,
    't.yaml',
  );
const labels = [
  { label: 'memory', usesRedis: false },
  { label: 'redis', usesRedis: true },
];

describe('thresholds over no data', () => {
  it('a phase that never happened fails with observed null, not a passing 0', () => {
    const s = scenario('  redis: { "latency.p99{phase:outage}": "< 50ms" }\n');
    const [v] = evaluateThresholds(s.thresholds, fixtureResults(), labels);
    expect(v).toMatchObject({ backend: 'redis', phase: 'outage', observed: null, ok: false });
  });

  it('a phase without successful turns fails with observed null', () => {
    const s = scenario('  redis: { "latency.p99{phase:hiccup}": "< 50ms", "errors{phase:hiccup}": "< 1%" }\n');
    const r = fixtureResults();
    const fault = r.backends[1]!.phases[1]!;
    fault.latencyMs = { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
    const verdicts = evaluateThresholds(s.thresholds, r, labels);
    expect(verdicts.find((v) => v.metric === 'latency.p99')).toMatchObject({ observed: null, ok: false });
    expect(verdicts.find((v) => v.metric === 'errors')).toMatchObject({ ok: true });
  });

  it('a backend of the scenario that did not run fails every threshold on it', () => {
    const s = scenario('  "*": { "errors": "< 50%", "redis_reads_per_turn": "< 2" }\n');
    const r = fixtureResults();
    r.backends = [r.backends[0]!];
    const verdicts = evaluateThresholds(s.thresholds, r, labels);
    expect(verdicts.filter((v) => v.backend === 'redis')).toEqual([
      expect.objectContaining({ metric: 'errors', observed: null, ok: false }),
      expect.objectContaining({ metric: 'redis_reads_per_turn', observed: null, ok: false }),
    ]);
    // memory has no Redis counts: no verdict on them, not a failure.
    expect(verdicts.filter((v) => v.backend === 'memory').map((v) => v.metric)).toEqual(['errors']);
  });

  it("evaluates the phase value, not the whole run's", () => {
    const s = scenario('  redis: { "latency.p50{phase:hiccup}": "< 25ms", "latency.p50": "< 25ms" }\n');
    const verdicts = evaluateThresholds(s.thresholds, fixtureResults(), labels);
    // The fixture's hiccup phase runs 10 ms slower (p50 30) than the run as a whole (p50 20).
    expect(verdicts.find((v) => v.phase === 'hiccup')).toMatchObject({ observed: 30, ok: false });
    expect(verdicts.find((v) => v.phase === null)).toMatchObject({ observed: 20, ok: true });
  });
});

describe('compare over no data', () => {
  it('leaves a figure with no data on either side out, and says so', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    next.backends[1]!.memory = { rssTotalBytes: null, rssMeanBytes: null };
    const cmp = compareRuns(base, next);
    expect(cmp.changes.find((c) => c.backend === 'redis' && c.metric === 'rss_per_instance')).toBeUndefined();
    expect(cmp.noData).toContainEqual({ backend: 'redis', metric: 'rss_per_instance', side: 'new' });
  });
});
