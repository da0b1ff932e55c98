/**
 * The physics of a fault-free run (issue acceptance): a shortened quickstart through the real CLI,
 * real instance processes and a real redis-server.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivals, planConversation } from '../../src/driver/workload.js';
import type { BackendResult, RunResults } from '../../src/results/schema.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { SHORT_LOAD, runCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
let results: RunResults;
let stderr: string;
let code: number | null;
let file: string;
const by = (label: string): BackendResult => results.backends.find((b) => b.label === label)!;

beforeAll(async () => {
  file = variant('quickstart.yaml', tmp.dir, SHORT_LOAD);
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
    expect(saved.schemaVersion).toBe(3);
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

  it('reports each instance\'s memory, and their sum and mean', () => {
    for (const b of results.backends) {
      const rss = b.instances.map((i) => i.rssBytes!);
      expect(b.instances.map((i) => i.index), b.label).toEqual([0, 1, 2, 3]);
      // A Node process serving the chat service: tens of MiB, not the harness's, not a sum.
      for (const x of rss) {
        expect(x, b.label).toBeGreaterThan(10 * 1024 * 1024);
        expect(x, b.label).toBeLessThan(1024 * 1024 * 1024);
      }
      expect(b.memory.rssTotalBytes, b.label).toBe(rss.reduce((a, x) => a + x, 0));
      expect(b.memory.rssMeanBytes, b.label).toBe(Math.round(b.memory.rssTotalBytes! / 4));
    }
  });

  it('measures latency from the intended send time, and every turn includes its model time', () => {
    // The median of the model times the seed planned for the measured turns: each turn waited its
    // own, so the latency median can't be lower (the exact bookkeeping is a unit test of drive()).
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const models = [...arrivals(scenario.load, 42)].filter((a) => a.measured).flatMap((a) => planConversation(scenario, 42, a).turns.map((t) => t.modelMs));
    models.sort((x, y) => x - y);
    const median = models[Math.floor(models.length / 2)]!;
    // Node truncates a timer's delay to whole milliseconds and may fire it up to 1 ms early: a
    // sleep (the driver's until the intended time, the service's model time) can end up to 2 ms
    // short. Without the model time the median would be about 1 ms.
    for (const b of results.backends) {
      expect(b.latencyMs.p50, b.label).toBeGreaterThanOrEqual(median - 3);
      // From the intended send time, never shorter than from the actual send.
      for (const k of ['mean', 'p50', 'p99', 'max'] as const) expect(b.latencyMs[k], `${b.label} ${k}`).toBeGreaterThanOrEqual(b.serviceMs[k]! - 2);
      expect(b.latencyMs.count, b.label).toBe(b.turns.total - b.turns.fail - b.turns.info);
    }
  });

  it('gives a per-second series that adds up to the totals', () => {
    for (const b of results.backends) {
      for (const k of ['intact', 'lost', 'stale', 'diverged', 'fail', 'info'] as const) {
        expect(b.series.reduce((s, x) => s + x[k], 0), `${b.label} ${k}`).toBe(b.turns[k]);
      }
      expect(b.series.reduce((s, x) => s + x.turns, 0)).toBe(b.turns.total);
      expect(b.series.map((x) => x.t)).toEqual(b.series.map((_, i) => i));
    }
  });
});

describe('what sessions cost in bytes (shortened quickstart)', () => {
  it('is measured where sessions are stored encoded, and is no data elsewhere', () => {
    for (const label of ['redis', 'two-tier']) {
      const b = by(label);
      expect(b.sessionBytes!.count, label).toBe(b.store.remoteWrites);
      // A session of a few turns of natural text: 600-byte replies and messages of 50..400 bytes.
      expect(b.sessionBytes!.mean, label).toBeGreaterThan(600);
      expect(b.bytesPerTurn.written, label).toBeGreaterThan(600);
      expect(b.redisMemory!.keys, label).toBe(b.conversations.started);
      expect(b.redisMemory!.keyBytesMean, label).toBeGreaterThan(b.sessionBytes!.p50);
    }
    for (const label of ['memory', 'sticky']) {
      expect(by(label).sessionBytes, label).toBeNull();
      expect(by(label).bytesPerTurn, label).toEqual({ read: null, written: null });
      expect(by(label).redisMemory, label).toBeNull();
    }
    // Replication keeps sessions in memory but copies them to the peers: traffic, no stored size.
    expect(by('replication').sessionBytes).toBeNull();
    expect(by('replication').bytesPerTurn.written).toBeGreaterThan(600);
  });

  it('prints bytes per turn in the terminal, report.md and report.html', () => {
    expect(stderr).toMatch(/^backend\s+redis r\/turn\s+redis w\/turn\s+read\/turn\s+written\/turn\s+RSS\/instance$/m);
    expect(stderr).toMatch(/^memory\s+–\s+–\s+–\s+–\s+\d/m);
    const [dir] = readdirSync(join(tmp.dir, 'reports'));
    const md = readFileSync(join(tmp.dir, 'reports', dir!, 'report.md'), 'utf8');
    expect(md).toMatch(/^\| backend \| redis r\/turn \| redis w\/turn \| read\/turn \| written\/turn \|/m);
    expect(md).toMatch(/^\| redis \| 1\.00 \| 1\.00 \| \d+(\.\d)? KiB \| \d+(\.\d)? KiB \|/m);
    const html = readFileSync(join(tmp.dir, 'reports', dir!, 'report.html'), 'utf8');
    expect(html).toMatch(/<th[^>]*>written\/turn<\/th>/);
    expect(html).toContain('<h2>Stored sessions</h2>');
  });
});

describe('two-tier with sticky routing', () => {
  it('almost never reads Redis', async () => {
    // Its own folder: the same file name in tmp.dir would replace the quickstart variant other tests run.
    const dir = join(tmp.dir, 'sticky');
    mkdirSync(dir, { recursive: true });
    const file = variant('quickstart.yaml', dir, [...SHORT_LOAD, [['backends'], ['two-tier']], [['cluster', 'routing'], 'sticky']]);
    const r = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    const tt = (JSON.parse(r.stdout) as RunResults).backends[0]!;
    expect(tt.routing).toBe('sticky');
    expect(tt.turns.withContext).toBeGreaterThan(120);
    expect(tt.redis!.readsPerTurn).toBeLessThanOrEqual(0.05);
    expect(tt.turns.lost).toBe(0);
  }, 60_000);
});

describe('--workers 2', () => {
  it('sends the same conversations and turns as one driver thread, and the loss and read rates keep their bands', async () => {
    const r = await runCli(['run', file, '--json', '--workers', '2', '--backend', 'memory,redis,two-tier', '--out', join(tmp.dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    const two = JSON.parse(r.stdout) as RunResults;
    const of = (label: string) => two.backends.find((b) => b.label === label)!;
    for (const b of two.backends) {
      expect(b.driver.workers, b.label).toBe(2);
      expect(by(b.label).driver.workers, b.label).toBe(1);
      // The conversations are the seed's whichever thread sends them: the same count, the same turns.
      expect(b.conversations.measured, b.label).toBe(by(b.label).conversations.measured);
      expect(b.conversations.cut, b.label).toBe(0);
      expect(b.turns.total, b.label).toBe(by(b.label).turns.total);
      // The threads' histograms merged: every answered turn is in the latency figures.
      expect(b.latencyMs.count, b.label).toBe(b.turns.total - b.turns.fail - b.turns.info);
    }
    expect(of('memory').rates.turnLoss).toBeGreaterThanOrEqual(0.6);
    expect(of('memory').rates.turnLoss).toBeLessThanOrEqual(0.85);
    expect(of('redis').turns).toMatchObject({ lost: 0, stale: 0, diverged: 0 });
    expect(of('redis').redis!.readsPerTurn).toBeGreaterThanOrEqual(0.9);
    expect(of('redis').redis!.readsPerTurn).toBeLessThanOrEqual(1.1);
    expect(of('two-tier').redis!.readsPerTurn).toBeGreaterThanOrEqual(0.6);
    expect(of('two-tier').redis!.readsPerTurn).toBeLessThanOrEqual(0.9);
  }, 120_000);
});
