import { describe, expect, it } from 'vitest';
import { parseBytes, parseCount, parseDistribution, parseDurationMs, parseRange } from '../../../src/util/units.js';

describe('units', () => {
  it('parses durations', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('500us')).toBe(0.5);
    expect(parseDurationMs(0)).toBe(0);
    for (const bad of ['fast', '10', 10, '-1s', '1 sec', '', null]) expect(parseDurationMs(bad)).toBeUndefined();
  });

  it('parses sizes', () => {
    expect(parseBytes(600)).toBe(600);
    expect(parseBytes('4KB')).toBe(4000);
    expect(parseBytes('64KiB')).toBe(65536);
    expect(parseBytes('1.5MiB')).toBe(1572864);
    for (const bad of [-1, 1.5, '4 kilobytes', 'x']) expect(parseBytes(bad)).toBeUndefined();
  });

  it('parses ranges of counts and durations', () => {
    expect(parseRange('4..12', parseCount)).toEqual({ min: 4, max: 12 });
    expect(parseRange(5, parseCount)).toEqual({ min: 5, max: 5 });
    expect(parseRange('200ms..1s', parseDurationMs)).toEqual({ min: 200, max: 1000 });
    expect(parseRange('12..4', parseCount)).toBeUndefined();
    expect(parseRange('1..2..3', parseCount)).toBeUndefined();
    expect(parseRange('a..b', parseCount)).toBeUndefined();
  });

  it('parses distributions', () => {
    expect(parseDistribution('80ms')).toEqual({ kind: 'constant', valueMs: 80 });
    expect(parseDistribution('50ms..120ms')).toEqual({ kind: 'uniform', minMs: 50, maxMs: 120 });
    expect(parseDistribution('lognormal(80ms, 30ms)')).toEqual({ kind: 'lognormal', meanMs: 80, sdMs: 30 });
    expect(parseDistribution('exponential(1s)')).toEqual({ kind: 'exponential', meanMs: 1000 });
    for (const bad of ['lognormal(80, 30)', 'lognormal(80ms)', 'exponential(1s, 2s)', 'gamma(1s, 2s)', 'uniform(2s, 1s)']) {
      expect(parseDistribution(bad)).toBeUndefined();
    }
  });
});
