import { describe, expect, it } from 'vitest';
import { HashRing, RoundRobinRouter, StickyRouter, createRouter } from '../../../src/driver/routing.js';

const keys = Array.from({ length: 20_000 }, (_, i) => `conversation-${i}`);

describe('HashRing', () => {
  it('spreads keys evenly over the nodes', () => {
    const ring = new HashRing();
    ring.build([0, 1, 2, 3]);
    const counts = [0, 0, 0, 0];
    for (const k of keys) counts[ring.lookup(k)]!++;
    for (const c of counts) expect(Math.abs(c / keys.length - 0.25)).toBeLessThan(0.05);
  });

  it('moves only the removed node\'s keys when a node leaves', () => {
    const ring = new HashRing();
    ring.build([0, 1, 2, 3]);
    const before = keys.map((k) => ring.lookup(k));
    ring.build([0, 1, 3]);
    let moved = 0;
    keys.forEach((k, i) => {
      const now = ring.lookup(k);
      if (before[i] !== 2) expect(now).toBe(before[i]);
      else {
        expect(now).not.toBe(2);
        moved++;
      }
    });
    expect(moved / keys.length).toBeGreaterThan(0.18);
    expect(moved / keys.length).toBeLessThan(0.32);
  });

  it('is the same ring in every process (no randomness)', () => {
    const a = new HashRing();
    const b = new HashRing();
    a.build([0, 1, 2]);
    b.build([2, 1, 0]);
    for (const k of keys.slice(0, 500)) expect(a.lookup(k)).toBe(b.lookup(k));
  });
});

describe('routers', () => {
  it('round-robin cycles and skips dead instances', () => {
    const r = new RoundRobinRouter(3);
    expect([r.pick(), r.pick(), r.pick(), r.pick()]).toEqual([0, 1, 2, 0]);
    r.setAlive(1, false);
    const picks = Array.from({ length: 6 }, () => r.pick());
    expect(picks).not.toContain(1);
  });

  it('sticky keeps a conversation on one instance and moves it when that instance dies', () => {
    const r = new StickyRouter(4);
    const first = r.pick('c1');
    for (let i = 0; i < 10; i++) expect(r.pick('c1')).toBe(first);
    r.setAlive(first, false);
    const moved = r.pick('c1');
    expect(moved).not.toBe(first);
    expect(r.pick('c1')).toBe(moved);
  });

  it('random is reproducible from the seed', () => {
    const a = createRouter('random', 4, 7);
    const b = createRouter('random', 4, 7);
    const seqA = Array.from({ length: 50 }, () => a.pick('x'));
    expect(Array.from({ length: 50 }, () => b.pick('x'))).toEqual(seqA);
    expect(new Set(seqA).size).toBe(4);
  });
});
