/**
 * The scaled-out store scenarios through the real CLI, time-scaled: a Redis Cluster failover (with
 * and without WAIT) and a reshard under load, a hash ring losing a node with and without migration,
 * and near-cache's stale turns while its invalidations are delayed, against two-tier's none.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendResult, RunResults } from '../../src/results/schema.js';
import { runCli, scaled, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function run(file: string, factor: number, edits: [(string | number)[], unknown][] = []): Promise<RunResults> {
  const r = await runCli(['run', scaled(file, tmp.dir, factor, edits), '--json', '--out', join(tmp.dir, 'reports')]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/could not (start|end)/);
  return JSON.parse(r.stdout) as RunResults;
}

const backend = (r: RunResults, label: string): BackendResult => r.backends.find((b) => b.label === label)!;
const phase = (b: BackendResult, name: string) => b.phases.find((p) => p.name === name)!;

describe('scaled-out store scenarios', () => {
  it('redis-cluster-failover: replica takes over in node timeout + 2 s; WAIT and a reshard lose nothing', async () => {
    const r = await run('redis-cluster-failover.yaml', 0.6);
    for (const b of r.backends) {
      const topo = b.redisTopology!;
      const failover = topo.events.find((e) => e.kind === 'failover')!;
      expect(failover.durationMs, b.label).not.toBeNull();
      expect(failover.durationMs!, b.label).toBeLessThanOrEqual(2000 + 2000);
      // Turns on the dead master's slots failed meanwhile.
      const f = phase(b, r.faults[0]!.name);
      expect(f.turns.fail + f.turns.info, b.label).toBeGreaterThan(0);
      const reshard = topo.events.find((e) => e.kind === 'reshard')!;
      expect(reshard.slotsMoved!, b.label).toBeGreaterThan(5000);
      expect(phase(b, r.faults[1]!.name).turns.lost, b.label).toBe(0);
      expect(topo.redirects!.moved + topo.redirects!.ask, b.label).toBeGreaterThan(0);
      expect(b.redis!.readsPerTurn, b.label).toBeLessThanOrEqual(1.05);
    }
    expect(backend(r, 'redis-cluster-wait').faults[0]!.lostContext).toBe(0);
  }, 150_000);

  it('hash-ring-rebalance: a node leaving loses its share of conversations without migration, none with', async () => {
    const backends = [
      { backend: 'hash-ring', label: 'ring-no-migration', migrate: false },
      { backend: 'hash-ring', label: 'ring-migrate' },
    ];
    const r = await run('hash-ring-rebalance.yaml', 0.6, [[['backends'], backends]]);
    const lost = backend(r, 'ring-no-migration').faults[0]!;
    expect(lost.activeConversations).toBeGreaterThan(15);
    // Some conversations lose context; how many depends on which keys the ring moved, and with a few
    // dozen keys that share varies widely around a quarter (8 % to 30 % seen here).
    expect(lost.lostContextRate).toBeGreaterThan(0);
    expect(lost.lostContextRate).toBeLessThan(0.45);
    const event = backend(r, 'ring-no-migration').redisTopology!.events[0]!;
    expect(event.keysRemapped!).toBeGreaterThan(0);
    expect(event.keysRemapped!).toBeLessThan(event.keysTotal!);
    expect(backend(r, 'ring-no-migration').faults[1]!.lostContext).toBeGreaterThan(0);
    const kept = backend(r, 'ring-migrate');
    for (const f of kept.faults) expect(f.lostContext, f.fault).toBe(0);
    expect(kept.turns.lost).toBe(0);
    expect(kept.redisTopology!.events.map((e) => e.keysMoved! > 0)).toEqual([true, true]);
  }, 120_000);

  it('near-cache-vs-two-tier: delayed invalidations show stale turns under round-robin; two-tier none', async () => {
    const r = await run('near-cache-vs-two-tier.yaml', 0.6);
    const near = backend(r, 'near-cache');
    const fault = phase(near, r.faults[0]!.name);
    expect(fault.turns.stale).toBeGreaterThan(0);
    expect(fault.rates.stale!).toBeGreaterThan(phase(near, 'baseline').rates.stale!);
    expect(backend(r, 'two-tier').turns.stale).toBe(0);
    expect(near.turns.lost + backend(r, 'two-tier').turns.lost).toBe(0);
  }, 120_000);

  it('near-cache-vs-two-tier under sticky routing: near-cache shows no stale turn either', async () => {
    const r = await run('near-cache-vs-two-tier.yaml', 0.4, [
      [['backends'], ['near-cache']],
      [['cluster', 'routing'], 'sticky'],
    ]);
    expect(backend(r, 'near-cache').turns.total).toBeGreaterThan(100);
    expect(backend(r, 'near-cache').turns.stale).toBe(0);
  }, 60_000);
});
