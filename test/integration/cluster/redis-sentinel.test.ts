/**
 * redis-sentinel on a real master, two replicas and three Sentinels: the instances find the master
 * through the Sentinels, and after the master is killed they write again once the Sentinels have
 * promoted a replica: the failover time is the down-after time plus the election, which Sentinel's
 * fixed periods keep within 3 s.
 */
import { describe, expect, it } from 'vitest';
import { useTopology } from '../../helpers/topology.js';

const DOWN_AFTER = 1000;
const sentinel = useTopology({ kind: 'sentinel', replicas: 2, sentinels: 3, downAfterMs: DOWN_AFTER });
const turn = (id: string) => ({ id, user: 'u', reply: 'r' });

describe('redis-sentinel', () => {
  it('follows the master through a failover; the failover time is down-after plus the election', async () => {
    const d = sentinel.get();
    const store = sentinel.store('redis-sentinel', { commandTimeout: '300ms' });
    for (let i = 0; i < 50; i++) await store.save(`s${i}`, 0, [turn('a')]);
    const killedAt = performance.now();
    await d.failover!(0, { name: 'kill the master' });
    let writesAgainMs: number | undefined;
    while (writesAgainMs === undefined && performance.now() - killedAt < 15_000) {
      try {
        await store.save('probe', 0, [turn('p')]);
        writesAgainMs = performance.now() - killedAt;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await d.settle();
    const event = (await d.result()).events.find((e) => e.kind === 'failover')!;
    expect(event.detail).toMatch(/made redis\[0\]\.replica\[[01]\] master/);
    expect(event.durationMs!).toBeGreaterThanOrEqual(DOWN_AFTER);
    // Sentinel's own periods add up to 3 s: asking the others (every 1 s), a random start of the
    // failover (within 1 s, so Sentinels don't collide), seeing the promotion in INFO (every 1 s).
    expect(event.durationMs!).toBeLessThanOrEqual(DOWN_AFTER + 3000);
    // The instances' client needs its own moment to hear of it and reconnect.
    expect(writesAgainMs!).toBeGreaterThanOrEqual(DOWN_AFTER);
    expect(writesAgainMs!).toBeLessThanOrEqual(DOWN_AFTER + 4000);
    // What the replicas had is there: replication on one machine is far faster than these writes.
    for (let i = 0; i < 50; i++) expect((await store.load(`s${i}`, {}))?.version).toBe(1);
    const roles = (await d.result()).nodes.map((n) => [n.name, n.role, n.alive]);
    expect(roles.filter(([, role, alive]) => role === 'master' && alive)).toHaveLength(1);
  }, 30_000);
});
