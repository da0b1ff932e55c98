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
  const s = scenario('  phases: [{ duration: 1s, arrivalRate: 1 }]\n  conversation: { turns: 3..5, thinkTime: 100ms..200ms, messageBytes: 10..20 }\n');
  const plans = Array.from({ length: 300 }, (_, index) => planConversation(s, 9, { index, atMs: index * 10, measured: index > 0 }));

  it('depends only on the seed and the index', () => {
    const p = planConversation(s, 9, { index: 3, atMs: 0, measured: true });
    expect(planConversation(s, 9, { index: 3, atMs: 0, measured: true })).toEqual(p);
    expect(planConversation(s, 10, { index: 3, atMs: 0, measured: true })).not.toEqual(p);
    expect(planConversation(s, 9, { index: 4, atMs: 0, measured: true })).not.toEqual(p);
    expect(plans[7]).toMatchObject({ index: 7, startMs: 70, measured: true });
    expect(plans[0]!.measured).toBe(false);
  });

  it('draws turns, think times and message sizes within the scenario ranges, both ends reached', () => {
    const counts = plans.map((p) => p.turns.length);
    expect(Math.min(...counts)).toBe(3);
    expect(Math.max(...counts)).toBe(5);
    const thinks = plans.flatMap((p) => p.turns.slice(1).map((t) => t.thinkMs));
    expect(Math.min(...thinks)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...thinks)).toBeLessThanOrEqual(200);
    expect(Math.min(...thinks)).toBeLessThan(110);
    expect(Math.max(...thinks)).toBeGreaterThan(190);
    for (const p of plans) expect(p.turns[0]!.thinkMs).toBe(0);
    const sizes = plans.flatMap((p) => p.turns.map((t) => Buffer.byteLength(t.message)));
    expect(Math.min(...sizes)).toBe(10);
    expect(Math.max(...sizes)).toBe(20);
  });

  it('draws model times from the scenario\'s distribution', () => {
    const models = plans.flatMap((p) => p.turns.map((t) => t.modelMs));
    // lognormal(80ms, 30ms), the default: mean and spread of the drawn values.
    const mean = models.reduce((a, b) => a + b, 0) / models.length;
    const sd = Math.sqrt(models.reduce((a, b) => a + (b - mean) ** 2, 0) / models.length);
    expect(mean).toBeGreaterThan(75);
    expect(mean).toBeLessThan(85);
    expect(sd).toBeGreaterThan(24);
    expect(sd).toBeLessThan(36);
  });
});

describe('planned text', () => {
  const load = (language: string) =>
    scenario(
      `  phases: [{ duration: 1s, arrivalRate: 1 }]\n  conversation: { turns: 6..6, messageBytes: 60..300, language: ${language} }\n`,
    );

  it('is natural text of exactly the planned bytes, with a reply seed per turn, the same on every plan', () => {
    const s = load('en');
    const p = planConversation(s, 9, { index: 3, atMs: 0, measured: true });
    expect(planConversation(s, 9, { index: 3, atMs: 0, measured: true })).toEqual(p);
    for (const t of p.turns) {
      expect(Buffer.byteLength(t.message)).toBeGreaterThanOrEqual(60);
      expect(Buffer.byteLength(t.message)).toBeLessThanOrEqual(300);
      expect(t.message).toMatch(/^[A-Z][a-z']* /);
      expect(Number.isInteger(t.replySeed) && t.replySeed >= 0 && t.replySeed < 2 ** 32).toBe(true);
    }
    expect(new Set(p.turns.map((t) => t.message)).size).toBe(6);
    expect(new Set(p.turns.map((t) => t.replySeed)).size).toBe(6);
    const other = planConversation(s, 10, { index: 3, atMs: 0, measured: true });
    expect(other.turns[0]!.message).not.toBe(p.turns[0]!.message);
  });

  it('changes only the text with the language: times and sizes stay those of the seed', () => {
    const en = planConversation(load('en'), 9, { index: 5, atMs: 0, measured: true });
    const zh = planConversation(load('zh'), 9, { index: 5, atMs: 0, measured: true });
    expect(zh.turns.map((t) => [t.thinkMs, t.modelMs, Buffer.byteLength(t.message)])).toEqual(
      en.turns.map((t) => [t.thinkMs, t.modelMs, Buffer.byteLength(t.message)]),
    );
    expect(zh.turns[0]!.message).toMatch(/^\p{Script=Han}/u);
  });
});
