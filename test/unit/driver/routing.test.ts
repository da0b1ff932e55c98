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
  it('round-robin cycles, skips dead instances and takes them back', () => {
    const r = new RoundRobinRouter(3);
    expect([r.pick(), r.pick(), r.pick(), r.pick()]).toEqual([0, 1, 2, 0]);
    r.setAlive(1, false);
    // The live ones in turn, evenly.
    expect(Array.from({ length: 6 }, () => r.pick())).toEqual([2, 0, 2, 0, 2, 0]);
    r.setAlive(1, true);
    expect(Array.from({ length: 3 }, () => r.pick())).toEqual([1, 2, 0]);
  });

  it('random spreads over the live instances only', () => {
    const r = createRouter('random', 4, 3);
    r.setAlive(2, false);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.pick('x')]!++;
    expect(counts[2]).toBe(0);
    for (const i of [0, 1, 3]) expect(counts[i]! / 3000).toBeGreaterThan(0.28);
  });

  it.each(['round-robin', 'random', 'sticky'] as const)('%s with no instance alive still picks every instance (the turns are refused there)', (name) => {
    const r = createRouter(name, 3, 1);
    for (let i = 0; i < 3; i++) r.setAlive(i, false);
    const picks = Array.from({ length: 60 }, (_, k) => r.pick(`conversation-${k}`));
    for (const p of picks) expect([0, 1, 2]).toContain(p);
    expect(new Set(picks).size).toBe(3);
  });

  it('sticky keeps a conversation on one instance and moves it when that instance dies', () => {
    const r = new StickyRouter(4);
    const first = r.pick('c1');
    for (let i = 0; i < 10; i++) expect(r.pick('c1')).toBe(first);
    r.setAlive(first, false);
    const moved = r.pick('c1');
    expect(moved).not.toBe(first);
    expect(r.pick('c1')).toBe(moved);
    // Other conversations stay where they were; the dead instance gets none.
    const others = Array.from({ length: 400 }, (_, i) => `other-${i}`);
    const ring = new HashRing();
    ring.build([0, 1, 2, 3]);
    for (const k of others) {
      const was = ring.lookup(k);
      const now = r.pick(k);
      expect(now).not.toBe(first);
      if (was !== first) expect(now).toBe(was);
    }
  });

  it('random is reproducible from the seed', () => {
    const a = createRouter('random', 4, 7);
    const b = createRouter('random', 4, 7);
    const seqA = Array.from({ length: 50 }, () => a.pick('x'));
    expect(Array.from({ length: 50 }, () => b.pick('x'))).toEqual(seqA);
    expect(new Set(seqA).size).toBe(4);
  });
});
