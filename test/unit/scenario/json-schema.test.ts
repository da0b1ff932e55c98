/**
 * The JSON Schema an editor completes with accepts what the CLI accepts: durations and sizes as the
 * patterns the parser reads, bounds, and every metric name as a threshold key.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/results/metrics.js';
import { scenarioJsonSchema } from '../../../src/scenario/schema.js';

type Node = Record<string, unknown> & { properties?: Record<string, Node>; items?: Node; additionalProperties?: Node };

describe('scenario JSON Schema', () => {
  const schema = scenarioJsonSchema() as Node;
  const load = schema.properties!.load!;
  const phase = load.properties!.phases!.items!;

  it('writes durations as the pattern the CLI reads: "5 seconds" and a bare 5 do not fit', () => {
    const duration = phase.properties!.duration!;
    expect(duration.type).toBe('string');
    const re = new RegExp(duration.pattern as string);
    expect(re.test('250ms') && re.test('1.5s') && re.test('2h')).toBe(true);
    expect(re.test('5 seconds') || re.test('5')).toBe(false);
  });

  it('carries the bounds of a run', () => {
    expect(phase.properties!.arrivalRate).toMatchObject({ minimum: 0, maximum: 10_000 });
    expect(schema.properties!.cluster!.properties!.instances).toMatchObject({ maximum: 64 });
  });

  it('completes every metric as a threshold key, with or without a phase', () => {
    const keys = schema.properties!.thresholds!.additionalProperties!;
    expect(Object.keys(keys.properties!).sort()).toEqual([...METRIC_NAMES].sort());
    const [pattern] = Object.keys(keys.patternProperties as object);
    expect(new RegExp(pattern!).test('latency.p99{phase:fault}')).toBe(true);
    expect(new RegExp(pattern!).test('latency.p42{phase:fault}')).toBe(false);
    expect(keys.additionalProperties).toBe(false);
  });
});
