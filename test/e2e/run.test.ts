/**
 * The physics of a fault-free run (issue acceptance): a shortened quickstart through the real CLI,
 * real instance processes and a real redis-server.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendResult, RunResults } from '../../src/results/schema.js';
import { SHORT_LOAD, runCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
let results: RunResults;
let stderr: string;
let code: number | null;
const by = (label: string): BackendResult => results.backends.find((b) => b.label === label)!;

beforeAll(async () => {
  const file = variant('quickstart.yaml', tmp.dir, SHORT_LOAD);
  const r = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports')]);
  code = r.code;
  stderr = r.stderr;
  results = JSON.parse(r.stdout) as RunResults;
}, 120_000);

afterAll(() => tmp.cleanup());

describe('sessbench run (shortened quickstart)', () => {
  it('exits 0, prints the five-row table and writes results.json and report.md', () => {
    expect(code, stderr).toBe(0);
    for (const name of ['memory', 'sticky', 'replication', 'redis', 'two-tier']) expect(stderr).toMatch(new RegExp(`^${name}\\s+(round-robin|sticky)`, 'm'));
    const [dir] = readdirSync(join(tmp.dir, 'reports'));
    expect(dir).toMatch(/^quickstart-\d{4}-\d\d-\d\dT\d{6}Z$/);
    const saved = JSON.parse(readFileSync(join(tmp.dir, 'reports', dir!, 'results.json'), 'utf8')) as RunResults;
    expect(saved.schemaVersion).toBe(2);
    expect(saved.seed).toBe(42);
    expect(saved.environment.redisVersion).toMatch(/^\d+\./);
    expect(existsSync(join(tmp.dir, 'reports', dir!, 'report.md'))).toBe(true);
    expect(readFileSync(join(tmp.dir, 'reports', dir!, 'report.md'), 'utf8')).toMatch(/^\| backend \| routing \|/m);
  });

  it('measured enough turns for the rates to mean something', () => {
    for (const b of results.backends) expect(b.turns.withContext).toBeGreaterThan(120);
  });

  it('memory loses most turns that had context (round-robin over 4 instances)', () => {
    expect(by('memory').rates.turnLoss).toBeGreaterThanOrEqual(0.6);
    expect(by('memory').rates.turnLoss).toBeLessThanOrEqual(0.85);
  });

  it('sticky, redis and two-tier lose nothing and are never stale or diverged', () => {
    for (const label of ['sticky', 'redis', 'two-tier']) {
      expect(by(label).turns, label).toMatchObject({ lost: 0, stale: 0, diverged: 0, fail: 0, info: 0 });
    }
    expect(by('sticky').routing).toBe('sticky');
    expect(by('sticky').routingOverridden).toBe(true);
  });

  it('async replication loses nothing and is stale on at most 1 % of turns', () => {
    expect(by('replication').turns.lost).toBe(0);
    expect(by('replication').rates.stale).toBeLessThanOrEqual(0.01);
  });

  it('redis reads once per turn that carries a cookie; two-tier about three times in four', () => {
    expect(by('redis').redis!.readsPerTurn).toBeGreaterThanOrEqual(0.9);
    expect(by('redis').redis!.readsPerTurn).toBeLessThanOrEqual(1.1);
    expect(by('two-tier').redis!.readsPerTurn).toBeGreaterThanOrEqual(0.6);
    expect(by('two-tier').redis!.readsPerTurn).toBeLessThanOrEqual(0.9);
    expect(by('memory').redis).toBeNull();
  });

  it('reports memory, latency and a per-second series for every backend', () => {
    for (const b of results.backends) {
      expect(b.memory.rssMeanBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(b.latencyMs.p99).toBeGreaterThanOrEqual(b.latencyMs.p50!);
      expect(b.latencyMs.p50).toBeGreaterThan(0);
      expect(b.series.reduce((s, x) => s + x.turns, 0)).toBe(b.turns.total);
    }
  });
});

describe('two-tier with sticky routing', () => {
  it('almost never reads Redis', async () => {
    const file = variant('quickstart.yaml', tmp.dir, [...SHORT_LOAD, [['backends'], ['two-tier']], [['cluster', 'routing'], 'sticky']]);
    const r = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    const tt = (JSON.parse(r.stdout) as RunResults).backends[0]!;
    expect(tt.routing).toBe('sticky');
    expect(tt.turns.withContext).toBeGreaterThan(120);
    expect(tt.redis!.readsPerTurn).toBeLessThanOrEqual(0.05);
    expect(tt.turns.lost).toBe(0);
  }, 60_000);
});
