import { describe, expect, it } from 'vitest';
import { arrivals, planConversation } from '../../../src/driver/workload.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const scenario = (load: string) => parseScenario(`name: t\nload:\n${load}`, 't.yaml');

describe('arrivals', () => {
  it('spaces constant arrivals at the rate, ramps included', () => {
    const s = scenario('  phases:\n    - { duration: 10s, arrivalRate: 10 }\n    - { duration: 10s, arrivalRate: 0, rampTo: 20 }\n');
    const all = [...arrivals(s.load, 1)];
    expect(all.filter((a) => a.atMs < 10_000)).toHaveLength(100);
    // A ramp from 0 to 20/s over 10 s brings 100 arrivals, more of them late in the phase.
    const ramp = all.filter((a) => a.atMs >= 10_000);
    expect(ramp.length).toBeGreaterThanOrEqual(99);
    expect(ramp.length).toBeLessThanOrEqual(100);
    expect(ramp.filter((a) => a.atMs >= 15_000).length).toBeGreaterThan(70);
    for (let i = 1; i < all.length; i++) expect(all[i]!.atMs).toBeGreaterThan(all[i - 1]!.atMs);
  });

  it('marks warmup arrivals as not measured', () => {
    const s = scenario('  warmup: 2s\n  phases: [{ duration: 2s, arrivalRate: 5 }]\n');
    const all = [...arrivals(s.load, 1)];
    expect(all.filter((a) => !a.measured)).toHaveLength(10);
    expect(all.filter((a) => a.measured)).toHaveLength(10);
  });

  it('draws poisson arrivals with the mean rate, reproducibly', () => {
    const s = scenario('  arrivals: poisson\n  phases: [{ duration: 100s, arrivalRate: 20 }]\n');
    const a = [...arrivals(s.load, 5)];
    expect(a.length).toBeGreaterThan(1800);
    expect(a.length).toBeLessThan(2200);
    expect([...arrivals(s.load, 5)].map((x) => x.atMs)).toEqual(a.map((x) => x.atMs));
    expect([...arrivals(s.load, 6)].map((x) => x.atMs)).not.toEqual(a.map((x) => x.atMs));
  });
});

describe('planConversation', () => {
  it('depends only on the seed and the index, within the scenario ranges', () => {
    const s = scenario('  phases: [{ duration: 1s, arrivalRate: 1 }]\n  conversation: { turns: 3..5, thinkTime: 100ms..200ms, messageBytes: 10..20 }\n');
    const p = planConversation(s, 9, { index: 3, atMs: 0, measured: true });
    expect(planConversation(s, 9, { index: 3, atMs: 0, measured: true })).toEqual(p);
    expect(p.turns.length).toBeGreaterThanOrEqual(3);
    expect(p.turns.length).toBeLessThanOrEqual(5);
    expect(p.turns[0]!.thinkMs).toBe(0);
    for (const t of p.turns.slice(1)) expect(t.thinkMs).toBeGreaterThanOrEqual(100);
    for (const t of p.turns) expect(t.message.length).toBeGreaterThanOrEqual(10);
  });
});
