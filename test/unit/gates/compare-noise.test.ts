/**
 * The noise each compared metric is judged against, the significance and worse rules at their edges,
 * the --fail-on grammar, and which backends and figures a comparison leaves out.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { type Change, compareRuns, incomparable, parseFailOn } from '../../../src/gates/compare.js';
import type { RunResults } from '../../../src/results/schema.js';
import { fixtureResults } from '../../helpers/fixtures.js';

/** Binomial standard error floored at one event in n (a rate of 0 still has noise). */
const binomial = (p: number, n: number) => Math.sqrt(Math.max(p * (1 - p), 1 / n) / n);
/** Standard error of the mean of xs (sample standard deviation / sqrt n). */
function se(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) / Math.sqrt(xs.length);
}

/** The redis backend of the fixture with distinct counts and rates, and a series with idle seconds. */
function noisyRun(): RunResults {
  const r = fixtureResults();
  const b = r.backends[1]!;
  b.turns = { ...b.turns, total: 1000, withContext: 640 };
  b.conversations = { ...b.conversations, measured: 250 };
  b.rates = { turnLoss: 0.2, sessionLoss: 0.3, stale: 0.05, diverged: 0.01, errors: 0.1 };
  b.throughput = { windowSec: 20, offeredTurnsPerSec: 50, achievedTurnsPerSec: 45 };
  b.redis = { reads: 500, writes: 3000, readsPerTurn: 0.5, writesPerTurn: 3, byCommand: {} };
  const second = (t: number, turns: number, p50: number | null, p99: number | null) => ({
    t, turns, intact: turns, lost: 0, stale: 0, diverged: 0, fail: 0, info: 0, p50, p99,
  });
  b.series = [
    second(0, 50, 10, 30),
    second(1, 52, 12, 34),
    second(2, 0, 99, 99), // idle: left out
    second(3, 48, 14, 40),
    second(4, 50, 16, null), // answered nothing in time for a p99
  ];
  return r;
}

const changeOf = (changes: Change[], metric: string) =>
  changes.find((c) => c.backend === 'redis' && c.metric === metric)!;

describe('compare: the noise of each metric', () => {
  // Compared inside each test, not once here: mutation testing maps code to the tests that run it.
  // Two runs with the same figures: the noise is √2 × one run's standard error.
  const both = (x: number) => Math.SQRT2 * x;

  it.each([
    ['latency.p50', both(se([10, 12, 14, 16]))],
    ['latency.p99', both(se([30, 34, 40]))],
    ['turns_per_sec', both(se([50, 52, 48, 50]))],
    ['turn_loss', both(binomial(0.2, 640))],
    ['stale', both(binomial(0.05, 640))],
    ['diverged', both(binomial(0.01, 640))],
    ['session_loss', both(binomial(0.3, 250))],
    ['errors', both(binomial(0.1, 1000))],
    ['goodput', both(binomial(0.9, 1000))],
    ['redis_reads_per_turn', both(binomial(0.5, 1000))],
    ['redis_writes_per_turn', both(binomial(1, 1000))],
  ])('%s', (metric, noise) => {
    expect(changeOf(compareRuns(noisyRun(), noisyRun()).changes, metric).noise).toBeCloseTo(noise, 10);
  });

  it('memory has no noise model (the 10 % rule)', () => {
    expect(changeOf(compareRuns(noisyRun(), noisyRun()).changes, 'rss_per_instance').noise).toBeNull();
  });

  it('a rate of 0 still has the noise of one event in n', () => {
    const a = noisyRun();
    a.backends[1]!.rates.errors = 0;
    expect(changeOf(compareRuns(a, a).changes, 'errors').noise).toBeCloseTo(both(1 / 1000), 12);
  });

  it('one busy second, or none, gives no spread: infinite noise', () => {
    const one = noisyRun();
    one.backends[1]!.series = one.backends[1]!.series.slice(0, 1);
    expect(changeOf(compareRuns(one, one).changes, 'latency.p50').noise).toBe(Infinity);
    const two = noisyRun();
    two.backends[1]!.series = two.backends[1]!.series.slice(0, 2);
    expect(changeOf(compareRuns(two, two).changes, 'latency.p50').noise).toBeCloseTo(both(se([10, 12])), 10);
    const none = noisyRun();
    none.backends[1]!.turns.total = 0;
    expect(changeOf(compareRuns(none, none).changes, 'errors').noise).toBe(Infinity);
  });
});

describe('compare: significance and direction', () => {
  it('a run against itself: nothing significant, nothing worse', () => {
    const { changes } = compareRuns(noisyRun(), noisyRun());
    expect(changes.filter((c) => c.significant || c.worse)).toEqual([]);
  });

  it('memory: more than 10 % is significant, 10 % is not; from 0 any change is', () => {
    const base = fixtureResults();
    const rss = (r: RunResults, bytes: number) => {
      r.backends[0]!.memory.rssMeanBytes = bytes;
      return r;
    };
    const at = (b: number, n: number) =>
      compareRuns(rss(fixtureResults(), b), rss(fixtureResults(), n)).changes.find(
        (c) => c.backend === 'memory' && c.metric === 'rss_per_instance',
      );
    expect(at(100, 111)).toMatchObject({ significant: true, worse: true, deltaPct: 0.11, noise: null });
    expect(at(100, 110)).toMatchObject({ significant: false });
    expect(at(100, 85)).toMatchObject({ significant: true, worse: false });
    expect(at(0, 5)).toMatchObject({ significant: true, worse: true, deltaPct: null });
    expect(at(0, 0)).toMatchObject({ significant: false, worse: false });
    expect(base.backends[0]!.memory.rssMeanBytes).toBe(70_000_000);
  });

  it('a change beyond three times the noise is significant; a --fail-on limit is checked on the change', () => {
    const base = noisyRun();
    const next = noisyRun();
    next.backends[1]!.rates.errors = 0.2;
    next.backends[1]!.rates.stale = 0.06;
    const rules = parseFailOn('errors:+0.5pp,stale:+50%,errors:+200%');
    const { changes } = compareRuns(base, next, rules);
    // errors: +10 pp against a noise of ~1.2 pp; stale: +1 pp against ~1.2 pp.
    expect(changeOf(changes, 'errors')).toMatchObject({ significant: true, worse: true, failed: ['errors:+0.5pp'] });
    expect(changeOf(changes, 'stale')).toMatchObject({ significant: false, worse: true, failed: [] });
    // From a rate of 0, any significant rise breaks a relative limit.
    const zero = noisyRun();
    zero.backends[1]!.rates.errors = 0;
    const fromZero = changeOf(compareRuns(zero, next, parseFailOn('errors:+1000%')).changes, 'errors');
    expect(fromZero.failed).toEqual(['errors:+1000%']);
  });

  it('an absolute limit is not broken by a change equal to it', () => {
    const base = noisyRun();
    const next = noisyRun();
    base.backends[1]!.rates.errors = 0.25;
    next.backends[1]!.rates.errors = 0.5;
    const c = changeOf(compareRuns(base, next, parseFailOn('errors:+25pp,errors:+24pp')).changes, 'errors');
    expect(c).toMatchObject({ delta: 0.25, significant: true, failed: ['errors:+24pp'] });
  });

  it('judges throughput when the offered loads are within 5 % of the larger one', () => {
    const offered = (o: number) => {
      const r = noisyRun();
      r.backends[1]!.throughput.offeredTurnsPerSec = o;
      return r;
    };
    const note = (a: number, b: number) => changeOf(compareRuns(offered(a), offered(b)).changes, 'turns_per_sec').note;
    expect(note(100, 105.2)).toBeUndefined();
    expect(note(105.2, 100)).toBeUndefined();
    expect(note(100, 105.3)).toMatch(/^offered load differs \(100 and 105\.3 turns\/s\): see goodput$/);
  });

  it('a rule on a metric outside the compared set is compared too', () => {
    const next = noisyRun();
    next.backends[1]!.latencyMs.p90 = 75;
    const c = changeOf(compareRuns(noisyRun(), next, parseFailOn('latency.p90:+10%')).changes, 'latency.p90');
    expect(c).toMatchObject({ noise: null, significant: true, worse: true, failed: ['latency.p90:+10%'] });
  });
});

describe('compare: what is left out', () => {
  it('backends in one run only are listed, not compared', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    base.backends[0]!.label = 'old';
    next.backends[0]!.label = 'new';
    const cmp = compareRuns(base, next);
    expect(cmp.onlyIn).toEqual({ base: ['old'], next: ['new'] });
    expect(new Set(cmp.changes.map((c) => c.backend))).toEqual(new Set(['redis']));
  });

  it('a metric a backend does not have gives no change and no "no data"', () => {
    const cmp = compareRuns(fixtureResults(), fixtureResults());
    const memory = cmp.changes.filter((c) => c.backend === 'memory').map((c) => c.metric);
    expect(memory).not.toContain('redis_reads_per_turn');
    expect(memory).toContain('errors');
    expect(cmp.noData).toEqual([]);
  });

  it('names the side that has no data', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    base.backends[1]!.memory.rssMeanBytes = null;
    base.backends[0]!.memory.rssMeanBytes = null;
    next.backends[0]!.memory.rssMeanBytes = null;
    expect(compareRuns(base, next).noData).toEqual([
      { backend: 'memory', metric: 'rss_per_instance', side: 'both' },
      { backend: 'redis', metric: 'rss_per_instance', side: 'base' },
    ]);
  });
});

describe('incomparable', () => {
  it('backend options compare by content, whatever the key order; arrays by order', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    base.backends[1]!.options = { a: 1, nested: { x: [1, 2], y: 'z' }, none: null };
    next.backends[1]!.options = { none: null, nested: { y: 'z', x: [1, 2] }, a: 1 };
    expect(incomparable(base, next)).toEqual([]);
    next.backends[1]!.options = { none: null, nested: { y: 'z', x: [2, 1] }, a: 1 };
    expect(incomparable(base, next)).toEqual(['backend redis has other options']);
    next.backends[1]!.options = { none: null, nested: { y: 'z', x: [1, 2] }, a: '1' };
    expect(incomparable(base, next)).toEqual(['backend redis has other options']);
    next.backends[1]!.options = { nested: { y: 'z', x: [1, 2] }, a: 1 };
    expect(incomparable(base, next)).toEqual(['backend redis has other options']);
    next.backends[1]!.options = { none: null, nested: { y: 'z', x: [1, 2], w: undefined }, a: 1 };
    expect(incomparable(base, next)).toEqual(['backend redis has other options']);
  });

  it('the same label on another backend, and a run ended by a threshold', () => {
    const base = fixtureResults();
    const next = fixtureResults();
    next.backends[1]!.backend = 'two-tier';
    base.abortedBy = 'redis errors < 1%';
    base.interrupted = true;
    expect(incomparable(base, next)).toEqual([
      'backend redis has other options',
      'the base run was interrupted',
      'the base run was ended early by a threshold',
    ]);
  });
});

describe('parseFailOn: the grammar', () => {
  it('reads seconds, plain numbers, decimals, an optional plus, spaces and empty parts', () => {
    expect(parseFailOn(' latency.p50:1.5s , rss_per_instance:+1000000,, turn_loss:0.25pp,')).toEqual([
      { metric: 'latency.p50', text: 'latency.p50:1.5s', absolute: 1500 },
      { metric: 'rss_per_instance', text: 'rss_per_instance:+1000000', absolute: 1_000_000 },
      { metric: 'turn_loss', text: 'turn_loss:0.25pp', absolute: 0.0025 },
    ]);
  });

  it('rejects anything around a rule, and says what a rule looks like', () => {
    const shape = '--fail-on "X": expected metric:+limit like latency.p99:+10%, turn_loss:+0.1pp or latency.p50:+5ms';
    for (const bad of ['latency.p99:+10%x', 'Xlatency.p99:+10%', 'latency.p99:++10%', 'latency.p99:+1.%']) {
      expect(() => parseFailOn(bad)).toThrow(new UsageError(shape.replace('X', bad)));
    }
  });

  it('names the units a metric takes', () => {
    const units = (rule: string, metric: string, what: string) =>
      expect(() => parseFailOn(rule)).toThrow(
        new UsageError(`--fail-on "${rule}": ${metric} takes a limit in % ${what}`),
      );
    units('latency.p50:+5', 'latency.p50', 'or ms');
    expect(() => parseFailOn('latency.p50:+5pp')).toThrow(/takes a limit in % or ms$/);
    units('turn_loss:+5', 'turn_loss', 'or pp');
    expect(() => parseFailOn('turn_loss:+5s')).toThrow(/takes a limit in % or pp$/);
    units('turns:+5ms', 'turns', 'or a plain number');
    expect(() => parseFailOn('rss_per_instance:+5pp')).toThrow(/takes a limit in % or a plain number$/);
  });
});
