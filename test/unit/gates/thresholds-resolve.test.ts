/**
 * resolveThresholds on its own: the specs it makes (phases, abort options, trimmed text) and the exact
 * problem for each mistake, at its path; compare() at and around each operator's edge; which phase
 * results a filter picks.
 */
import { describe, expect, it } from 'vitest';
import { compare, evaluateThresholds, parseExpression, resolveThresholds } from '../../../src/gates/thresholds.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const labels = [
  { label: 'memory', usesRedis: false },
  { label: 'redis', usesRedis: true },
];
const faults = [{ name: 'hiccup' }, {}];

describe('resolveThresholds: specs', () => {
  it('one spec per condition, with the phase, the trimmed text and the abort options', () => {
    const { specs, problems } = resolveThresholds(
      {
        redis: {
          'errors{phase:fault[1]}': ['  < 1% ', '>= 0'],
          'latency.p99': { threshold: '< 1s', abortOnFail: true, delayAbortEval: 5000 },
          turns: '> 10',
        },
      },
      labels,
      faults,
    );
    expect(problems).toEqual([]);
    const common = { scope: 'redis', abortOnFail: false, delayAbortEvalMs: 0 };
    expect(specs).toEqual([
      { ...common, metric: 'errors', phase: 'fault[1]', op: '<', value: 0.01, text: '< 1%' },
      { ...common, metric: 'errors', phase: 'fault[1]', op: '>=', value: 0, text: '>= 0' },
      { ...common, metric: 'latency.p99', op: '<', value: 1000, text: '< 1s',
        abortOnFail: true, delayAbortEvalMs: 5e3 },
      { ...common, metric: 'turns', op: '>', value: 10, text: '> 10' },
    ]);
    expect('phase' in specs[3]!).toBe(false);
  });

  it('reads a size only for a bytes metric, and a plain number only without a unit', () => {
    expect(parseExpression('< 1ms', 'bytes')).toMatch(/^expected a size like "< 200MB", got "< 1ms"$/);
    expect(parseExpression('> 5x', 'number')).toBe('expected a plain number like "> 100", got "> 5x"');
    expect(parseExpression('< 1MB', 'number')).toBe('expected a plain number like "> 100", got "< 1MB"');
  });
});

describe('resolveThresholds: problems', () => {
  const problemsOf = (raw: Parameters<typeof resolveThresholds>[0], f = faults, capacity = false) =>
    resolveThresholds(raw, labels, f, capacity).problems;

  it('an unknown backend lists what there is', () => {
    expect(problemsOf({ redsi: { errors: '< 1%' } })).toEqual([
      {
        path: ['redsi'],
        message:
          'no backend labelled "redsi" in this scenario (did you mean "redis"?); ' +
          'expected "*" or one of memory, redis',
      },
    ]);
  });

  it('an unknown metric, or a key that is not a metric at all, lists the metrics', () => {
    const [a, b] = problemsOf({ '*': { 'latncy.p50': '< 1ms', 'Errors!': '< 1%' } });
    expect(a!.path).toEqual(['*', 'latncy.p50']);
    expect(a!.message).toMatch(/^unknown metric "latncy.p50" \(did you mean "latency.p50"\?\); expected one of /);
    expect(a!.message).toContain('; expected one of latency.mean, latency.p50, ');
    expect(a!.message).toMatch(/, rss_per_instance, session_bytes.mean, .*, redis_key_bytes, optionally with \{phase:…\}$/);
    expect(b!.message).toMatch(/^unknown metric "Errors!"/);
  });

  it('a phase on a whole-run metric, a phase without faults, an unknown phase', () => {
    expect(problemsOf({ '*': { 'rss_per_instance{phase:fault}': '< 1GB' } })).toEqual([
      {
        path: ['*', 'rss_per_instance{phase:fault}'],
        message: 'rss_per_instance is measured for the whole run only, not per phase',
      },
    ]);
    expect(problemsOf({ '*': { 'errors{phase:fault}': '< 1%' } }, [])).toEqual([
      { path: ['*', 'errors{phase:fault}'], message: 'a phase needs faults: this scenario has none' },
    ]);
    expect(problemsOf({ '*': { 'errors{phase:fault[2]}': '< 1%' } })).toEqual([
      {
        path: ['*', 'errors{phase:fault[2]}'],
        message:
          'unknown phase "fault[2]" (did you mean "fault[0]"?); ' +
          'expected one of baseline, fault, recovery, fault[0], fault[1], hiccup',
      },
    ]);
  });

  it('capacity needs a capacity search; Redis counts need a Redis-backed backend', () => {
    expect(problemsOf({ '*': { capacity: '> 1' } })).toEqual([
      { path: ['*', 'capacity'], message: 'capacity needs a capacity search: load.steps with an slo' },
    ]);
    expect(problemsOf({ '*': { capacity: '> 1' } }, faults, true)).toEqual([]);
    expect(problemsOf({ '*': { turns_per_sec: '> 1' } })).toEqual([]);
    expect(problemsOf({ memory: { redis_writes_per_turn: '< 1', turns: '> 1' } })).toEqual([
      {
        path: ['memory', 'redis_writes_per_turn'],
        message: 'redis_writes_per_turn needs a Redis-backed backend; memory does not use Redis',
      },
    ]);
    expect(problemsOf({ '*': { redis_writes_per_turn: '< 1' }, redis: { redis_writes_per_turn: '< 1' } })).toEqual([]);
  });

  it('a malformed condition is reported at its own path: the key, the list item, or threshold', () => {
    const bad = 'expected an operator (<, <=, >, >=, ==, !=) and a share like "< 0.5%" or "< 0.005", got "x"';
    expect(problemsOf({ redis: { errors: 'x' } })).toEqual([{ path: ['redis', 'errors'], message: bad }]);
    expect(problemsOf({ redis: { errors: ['< 1%', 'x'] } })).toEqual([{ path: ['redis', 'errors', 1], message: bad }]);
    expect(problemsOf({ redis: { errors: { threshold: 'x', abortOnFail: false, delayAbortEval: 0 } } })).toEqual([
      { path: ['redis', 'errors', 'threshold'], message: bad },
    ]);
  });
});

describe('compare', () => {
  it('each operator below, at and above its value', () => {
    const table = (op: Parameters<typeof compare>[1]) => [1, 2, 3].map((x) => compare(x, op, 2));
    expect(table('<')).toEqual([true, false, false]);
    expect(table('<=')).toEqual([true, true, false]);
    expect(table('>')).toEqual([false, false, true]);
    expect(table('>=')).toEqual([false, true, true]);
    expect(table('==')).toEqual([false, true, false]);
    expect(table('!=')).toEqual([true, false, true]);
  });
});

describe('evaluateThresholds: phase filters', () => {
  const spec = (phase: string | undefined, metric: 'latency.p50' | 'redis_reads_per_turn' = 'latency.p50') =>
    resolveThresholds({ redis: { [phase ? `${metric}{phase:${phase}}` : metric]: '< 1s' } }, labels, faults).specs;

  it('baseline, recovery and fault pick phases by kind; fault[i] and a name pick that fault', () => {
    const run = fixtureResults();
    run.faults.push({ ...run.faults[0]!, index: 1, name: 'later' });
    const phasesOf = (phase: string) => evaluateThresholds(spec(phase), run, labels).map((v) => v.phase);
    expect(phasesOf('baseline')).toEqual(['baseline']);
    expect(phasesOf('recovery')).toEqual(['recovery']);
    expect(phasesOf('fault')).toEqual(['hiccup']);
    expect(phasesOf('fault[0]')).toEqual(['hiccup']);
    // fault[1] is "later", which the redis backend has no phase for: no data.
    expect(evaluateThresholds(spec('fault[1]'), run, labels)).toEqual([
      { backend: 'redis', metric: 'latency.p50', phase: 'fault[1]', threshold: '< 1s', observed: null, ok: false },
    ]);
  });

  it('a backend that did not run fails a Redis count only if it uses Redis', () => {
    const run = fixtureResults();
    run.backends = [];
    const star = resolveThresholds({ '*': { redis_reads_per_turn: '< 2' } }, labels, faults).specs;
    expect(evaluateThresholds(star, run, labels)).toEqual([
      { backend: 'redis', metric: 'redis_reads_per_turn', phase: null, threshold: '< 2', observed: null, ok: false },
    ]);
    expect(evaluateThresholds(spec(undefined), run, labels)).toEqual([
      { backend: 'redis', metric: 'latency.p50', phase: null, threshold: '< 1s', observed: null, ok: false },
    ]);
  });
});
