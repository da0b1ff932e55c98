import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/errors.js';
import { compare, evaluateThresholds, parseExpression } from '../../../src/gates/thresholds.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const LABELS = [
  { label: 'memory', usesRedis: false },
  { label: 'redis', usesRedis: true },
];

describe('parseExpression', () => {
  it('reads every operator', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '!='] as const)
      expect(parseExpression(`${op} 5`, 'number')).toEqual({ op, value: 5 });
  });

  it('reads units by the metric kind', () => {
    expect(parseExpression('< 300ms', 'duration')).toEqual({ op: '<', value: 300 });
    expect(parseExpression('<= 1.5s', 'duration')).toEqual({ op: '<=', value: 1500 });
    expect(parseExpression('< 250', 'duration')).toEqual({ op: '<', value: 250 });
    expect(parseExpression('< 0.5%', 'ratio')).toEqual({ op: '<', value: 0.005 });
    expect(parseExpression('< 0.005', 'ratio')).toEqual({ op: '<', value: 0.005 });
    expect(parseExpression('> 100', 'number')).toEqual({ op: '>', value: 100 });
    expect(parseExpression('< 200MB', 'bytes')).toEqual({ op: '<', value: 200_000_000 });
  });

  it('explains what it expected', () => {
    expect(parseExpression('fast', 'duration')).toMatch(/expected an operator .* "< 300ms"/);
    expect(parseExpression('< 5%', 'duration')).toMatch(/expected a duration like/);
    expect(parseExpression('< 5ms', 'ratio')).toMatch(/expected a share like/);
    expect(parseExpression('> 100/s', 'number')).toMatch(/expected an operator/);
  });

  it('compares', () => {
    expect(compare(1, '<', 2)).toBe(true);
    expect(compare(2, '<', 2)).toBe(false);
    expect(compare(2, '<=', 2)).toBe(true);
    expect(compare(3, '>', 2)).toBe(true);
    expect(compare(2, '>=', 2)).toBe(true);
    expect(compare(2, '==', 2)).toBe(true);
    expect(compare(2, '!=', 2)).toBe(false);
  });
});

const scenarioText = (thresholds: string) => `name: t
backends: [memory, redis]
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { name: hiccup, at: 0s, duration: 1s, target: redis, latency: 5ms }
thresholds:
${thresholds}`;

describe('thresholds in a scenario', () => {
  it('report an unknown backend, metric and phase and a malformed expression with positions', () => {
    let err: ScenarioError | undefined;
    try {
      parseScenario(
        scenarioText(`  redsi: { errors: "< 1%" }
  redis: { "latency.p99": "< fast", "latncy.p50": "< 1ms", "errors{phase:nope}": "< 1%" }
  memory: { redis_reads_per_turn: "< 1" }
`),
        't.yaml',
      );
    } catch (e) {
      err = e as ScenarioError;
    }
    const text = err!.format();
    expect(text).toContain(
      't.yaml:7:3 thresholds.redsi: no backend labelled "redsi" in this scenario (did you mean "redis"?)',
    );
    expect(text).toMatch(/t\.yaml:8:\d+ thresholds\.redis\.latency\.p99: expected an operator/);
    expect(text).toContain('thresholds.redis.latncy.p50: unknown metric "latncy.p50" (did you mean "latency.p50"?)');
    expect(text).toContain('unknown phase "nope"');
    expect(text).toContain('thresholds.memory.redis_reads_per_turn: redis_reads_per_turn needs a Redis-backed backend');
  });

  it('evaluate per backend, per phase, with "*" for all', () => {
    const s = parseScenario(
      scenarioText(`  "*": { errors: "< 1%" }
  redis: { "latency.p99": ["< 100ms", "< 1ms"], "latency.p50{phase:hiccup}": "< 1s", "redis_reads_per_turn": "<= 1.1" }
`),
      't.yaml',
    );
    const labels = [
      { label: 'memory', usesRedis: false },
      { label: 'redis', usesRedis: true },
    ];
    const results = evaluateThresholds(s.thresholds, fixtureResults(), labels);
    const row = (backend: string, metric: string, threshold: string) =>
      results.find((r) => r.backend === backend && r.metric === metric && r.threshold === threshold);
    expect(row('memory', 'errors', '< 1%')!.ok).toBe(true);
    expect(row('redis', 'errors', '< 1%')!.ok).toBe(true);
    expect(row('redis', 'latency.p99', '< 100ms')!.ok).toBe(true);
    expect(row('redis', 'latency.p99', '< 1ms')).toMatchObject({ ok: false, observed: 25 });
    expect(row('redis', 'latency.p50', '< 1s')).toMatchObject({ phase: 'hiccup', ok: true });
    expect(row('redis', 'redis_reads_per_turn', '<= 1.1')!.ok).toBe(true);
  });

  it('evaluate a phase threshold on that phase\'s value, not the whole run\'s', () => {
    // The fixture's redis p50: 20 ms over the run and in baseline and recovery, 30 ms in the fault.
    const s = parseScenario(
      scenarioText(`  redis:
    "latency.p50{phase:hiccup}": "< 25ms"
    "latency.p50{phase:fault[0]}": "< 25ms"
    "latency.p50{phase:fault}": "< 25ms"
    "latency.p50{phase:baseline}": "< 25ms"
    "latency.p50{phase:recovery}": "< 25ms"
    "latency.p50": "< 25ms"
`),
      't.yaml',
    );
    const results = evaluateThresholds(s.thresholds, fixtureResults(), LABELS);
    expect(results.map((r) => [r.phase, r.observed, r.ok])).toEqual([
      ['hiccup', 30, false],
      ['hiccup', 30, false],
      ['hiccup', 30, false],
      ['baseline', 20, true],
      ['recovery', 20, true],
      [null, 20, true],
    ]);
  });

  it('skip a metric a backend does not have under "*", and fail a phase a backend did not run with no data', () => {
    const s = parseScenario(scenarioText(`  "*": { redis_reads_per_turn: "< 2", "errors{phase:hiccup}": "< 1%" }\n`), 't.yaml');
    const results = evaluateThresholds(s.thresholds, fixtureResults(), LABELS);
    // memory has no Redis counts and (in the fixture) no phases: no data is not a pass.
    expect(results.map((r) => `${r.backend} ${r.metric} ${r.phase}`)).toEqual(['redis redis_reads_per_turn null', 'memory errors hiccup', 'redis errors hiccup']);
    expect(results[1]).toMatchObject({ observed: null, ok: false });
  });

  it('gate on what a session costs in bytes, only where sessions are stored encoded', () => {
    const err = (() => {
      try {
        parseScenario(scenarioText('  memory: { "session_bytes.p99": "< 16KB" }\n'), 't.yaml');
      } catch (e) {
        return e as ScenarioError;
      }
    })();
    expect(err!.format()).toContain('thresholds.memory.session_bytes.p99: session_bytes.p99 needs a Redis-backed backend');
    const s = parseScenario(
      scenarioText(`  "*": { "session_bytes.p99": "< 16KB", bytes_written_per_turn: "< 3KB" }
  redis: { "session_bytes.p99": "< 6KB", "redis_key_bytes": "< 4KB", "redis_memory": "< 1MB" }
`),
      't.yaml',
    );
    const labels = [
      { label: 'memory', usesRedis: false },
      { label: 'redis', usesRedis: true },
    ];
    const results = evaluateThresholds(s.thresholds, fixtureResults(), labels);
    const verdict = (backend: string, metric: string, threshold: string) =>
      results.find((r) => r.backend === backend && r.metric === metric && r.threshold === threshold);
    expect(verdict('redis', 'session_bytes.p99', '< 16KB')).toMatchObject({ ok: true, observed: 6200 });
    expect(verdict('redis', 'session_bytes.p99', '< 6KB')).toMatchObject({ ok: false, observed: 6200 });
    expect(verdict('redis', 'redis_key_bytes', '< 4KB')).toMatchObject({ ok: true, observed: 3300 });
    expect(verdict('redis', 'redis_memory', '< 1MB')).toMatchObject({ ok: false, observed: 1_100_000 });
    expect(verdict('redis', 'bytes_written_per_turn', '< 3KB')).toMatchObject({ ok: false, observed: 3100 });
    // memory keeps no encoded sessions and sends nothing: no size verdict, and no traffic is no data.
    expect(verdict('memory', 'session_bytes.p99', '< 16KB')).toBeUndefined();
    expect(verdict('memory', 'bytes_written_per_turn', '< 3KB')).toMatchObject({ ok: false, observed: null });
  });
});
