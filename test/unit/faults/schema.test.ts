/**
 * The fault schema is derived from the toxic registry: every toxic's key is a fault key, its
 * parameters are converted from the units a scenario writes, and the proxy validates the result
 * with the toxic's own schema.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { TcpProxy } from '../../../src/faults/proxy.js';
import { faultProblems, faultSchema, resolveFault } from '../../../src/faults/schema.js';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { toxicNames, toxics } from '../../../src/faults/toxics/registry.js';

const EXAMPLES: Record<string, Record<string, unknown>> = {
  latency: { latency: '50ms', jitter: '10ms' },
  bandwidth: { bandwidth: 100 },
  timeout: { timeout: '1s' },
  reset_peer: { reset_peer: '20ms' },
  slicer: { slicer: { average_size: 64, delay: 5 } },
  limit_data: { limit_data: '1KB' },
  down: { down: true },
  redis_command: { fraction: '30%', error: 'ERR injected', commands: ['get'] },
};

describe('faults derived from the toxic registry', () => {
  it('has an example for every registered toxic', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...toxicNames].sort());
  });

  it.each(toxicNames)(
    '%s: its key is a fault key, and an entry resolves to valid parameters in their units',
    (name) => {
      const t = toxics[name];
      expect(Object.keys(faultSchema.shape)).toContain(t.form.key);
      const entry = faultSchema.parse({ at: '1s', duration: '2s', target: 'redis', ...EXAMPLES[name] });
      expect(faultProblems(entry, 4)).toEqual([]);
      const spec = resolveFault(entry);
      expect(spec.action.kind).toBe('toxic');
      if (spec.action.kind !== 'toxic') return;
      expect(spec.action.toxic.type).toBe(name);
      // The same parameters pass the toxic's own schema unchanged: units were converted once.
      expect(paramsSchema(t.params).parse(spec.action.toxic.params)).toEqual(spec.action.toxic.params);
    },
  );

  it('converts durations, sizes and percentages to the units the toxics hold', () => {
    const params = (e: Record<string, unknown>) => {
      const s = resolveFault(faultSchema.parse({ at: '1s', target: 'redis', ...e }));
      return s.action.kind === 'toxic' ? s.action.toxic.params : undefined;
    };
    expect(params(EXAMPLES.latency!)).toEqual({ latency: 50, jitter: 10 });
    expect(params({ latency: '1.5s' })).toEqual({ latency: 1500, jitter: 0 });
    expect(params(EXAMPLES.limit_data!)).toEqual({ bytes: 1000 });
    expect(params(EXAMPLES.redis_command!)).toEqual({
      fraction: 0.3,
      latency: 0,
      error: 'ERR injected',
      commands: ['get'],
    });
  });

  it('rejects a parameter outside its bounds with the scenario unit in the message', () => {
    const r = faultSchema.safeParse({ at: '1s', target: 'redis', latency: 'fast' });
    expect(r.success).toBe(false);
    expect(z.prettifyError(r.error!)).toContain('expected a duration like');
    expect(faultSchema.safeParse({ at: '1s', target: 'redis', fraction: '130%' }).success).toBe(false);
  });

  it('keeps toxicity and direction away from toxics that act on the whole link', () => {
    const entry = faultSchema.parse({ at: '1s', target: 'redis', down: true, toxicity: 0.5 });
    expect(faultProblems(entry, 4)).toEqual([
      { key: 'toxicity', message: expect.stringContaining('toxicity goes only with') },
    ]);
  });

  it('the proxy refuses parameters the toxic does not accept (validation in production)', () => {
    const proxy = new TcpProxy('p', { host: '127.0.0.1', port: 1 });
    expect(() =>
      proxy.addToxic({ type: 'latency', params: { latency: -5 }, direction: 'downstream', toxicity: 1 }),
    ).toThrow();
    expect(() =>
      proxy.addToxic({ type: 'latency', params: { lag: 5 }, direction: 'downstream', toxicity: 1 }),
    ).toThrow();
    expect(() => proxy.addToxic({ type: 'nope', params: {}, direction: 'downstream', toxicity: 1 })).toThrow(
      /unknown toxic/,
    );
    expect(proxy.addToxic({ type: 'latency', params: { latency: 5 }, direction: 'downstream', toxicity: 1 })).toBe(1);
  });
});
