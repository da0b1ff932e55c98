/**
 * The consistent-hash ring the hash-ring backend and the harness share (twemproxy's ketama layout):
 * how evenly it spreads keys with few and with many virtual nodes, and that a membership change
 * moves only the keys it must.
 */
import { describe, expect, it } from 'vitest';
import { KetamaRing } from '../../../src/util/ketama.js';

const NODES = ['node0', 'node1', 'node2', 'node3'];
const KEYS = Array.from({ length: 20_000 }, (_, i) => `sessbench:run:ring:session-${i}`);

function spread(ring: KetamaRing): number {
  const counts = new Map<string, number>();
  for (const k of KEYS) counts.set(ring.owner(k)!, (counts.get(ring.owner(k)!) ?? 0) + 1);
  return Math.max(...counts.values()) / (KEYS.length / ring.names.length);
}

describe('KetamaRing', () => {
  it('with 1 point per node the busiest of 4 holds at least 1.3 × the mean; with 160, at most 1.1 ×', () => {
    expect(spread(new KetamaRing(NODES, 1))).toBeGreaterThanOrEqual(1.3);
    expect(spread(new KetamaRing(NODES, 160))).toBeLessThanOrEqual(1.1);
  });

  it('removing a node moves only its keys, to the others', () => {
    const before = new KetamaRing(NODES);
    const after = new KetamaRing(NODES.filter((n) => n !== 'node3'));
    let moved = 0;
    for (const k of KEYS) {
      const was = before.owner(k);
      if (was === 'node3') moved++;
      else expect(after.owner(k)).toBe(was);
    }
    expect(moved / KEYS.length).toBeGreaterThan(0.2);
    expect(moved / KEYS.length).toBeLessThan(0.3);
  });

  it('adding a node moves to it about its share, and nothing between the old nodes', () => {
    const before = new KetamaRing(NODES);
    const after = new KetamaRing([...NODES, 'node4']);
    let moved = 0;
    for (const k of KEYS) {
      const now = after.owner(k);
      if (now === 'node4') moved++;
      else expect(now).toBe(before.owner(k));
    }
    expect(moved / KEYS.length).toBeGreaterThan(0.15);
    expect(moved / KEYS.length).toBeLessThan(0.25);
  });

  it('places points by name, not by order, and owns nothing when empty', () => {
    const a = new KetamaRing(['node0', 'node1', 'node2']);
    const b = new KetamaRing(['node2', 'node0', 'node1']);
    for (const k of KEYS.slice(0, 500)) expect(b.owner(k)).toBe(a.owner(k));
    expect(new KetamaRing([]).owner('x')).toBeUndefined();
  });
});
