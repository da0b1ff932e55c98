/**
 * A capacity search: steps become phases, each step is sustained or not under the SLO, and the
 * capacity is the highest step sustained with every step below it.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/errors.js';
import { capacityOf } from '../../../src/run/collect.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import type { PhaseResult } from '../../../src/results/schema.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const step = (p99: number | null, errors: number | null, achieved: number): PhaseResult => {
  const base = fixtureResults().backends[1]!.phases[0]!;
  return {
    ...base,
    kind: 'step',
    latencyMs: { ...base.latencyMs, p99 },
    rates: { ...base.rates, errors },
    throughput: { ...base.throughput, achievedTurnsPerSec: achieved },
  };
};

describe('capacity', () => {
  it('is the highest step sustained with every step below it', () => {
    const c = capacityOf([step(40, 0, 100), step(60, 0.001, 200), step(150, 0, 290), step(70, 0, 380)], [10, 20, 30, 40], {
      p99: 100,
      errors: 0.01,
    });
    expect(c.steps.map((s) => s.sustained)).toEqual([true, true, false, true]);
    expect(c).toMatchObject({ conversationsPerSec: 20, turnsPerSec: 200 });
  });

  it('errors above the SLO fail a step, and no sustained step is no capacity (null), not 0', () => {
    const c = capacityOf([step(40, 0.05, 100), step(60, 0, 200)], [10, 20], { p99: 100, errors: 0.01 });
    expect(c.steps[0]!.sustained).toBe(false);
    expect(c.conversationsPerSec).toBeNull();
  });

  it('steps become one phase each, from `from` to `to`', () => {
    const s = parseScenario(
      'name: c\nload:\n  steps: { from: 10, to: 40, count: 4, duration: 2s }\n  slo: { p99: 100ms }\n',
      'c.yaml',
    );
    expect(s.load.phases).toEqual([10, 20, 30, 40].map((r) => ({ duration: 2000, arrivalRate: r })));
    expect(s.load.slo).toEqual({ p99: 100, errors: 0.01 });
  });

  it('refuses steps with phases, without an slo, with faults, and a capacity threshold without steps', () => {
    const problems = (text: string) => {
      try {
        parseScenario(text, 'c.yaml');
      } catch (e) {
        return (e as ScenarioError).format();
      }
      return '';
    };
    const steps = '  steps: { from: 10, to: 40, count: 4, duration: 2s }\n';
    expect(problems(`name: c\nload:\n${steps}  phases: [{ duration: 1s, arrivalRate: 1 }]\n  slo: { p99: 1s }\n`)).toContain(
      'load.steps: expected phases or steps',
    );
    expect(problems(`name: c\nload:\n${steps}`)).toContain('a capacity search needs an slo');
    expect(
      problems(`name: c\nload:\n${steps}  slo: { p99: 1s }\nfaults: [{ at: 1s, target: redis, down: true }]\n`),
    ).toContain('a capacity search runs without faults');
    expect(
      problems('name: c\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\nthresholds: { "*": { capacity: "> 1" } }\n'),
    ).toContain('capacity needs a capacity search');
  });
});
