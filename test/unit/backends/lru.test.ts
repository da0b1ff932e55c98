/**
 * The bounded LRU map behind the local stores, and the capacity option of the memory backends.
 */
import { describe, expect, it } from 'vitest';
import { Lru } from '../../../src/backends/lru.js';
import { memoryBackend } from '../../../src/backends/memory.js';
import { stickyBackend } from '../../../src/backends/sticky.js';
import { defaultOptions, SECRET } from '../../helpers/stores.js';

describe('Lru', () => {
  it('keeps at most `capacity` entries and drops the least recently used', () => {
    const lru = new Lru<number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) lru.set(k, v);
    expect(lru.get('a')).toBe(1); // a is now the most recently used
    lru.set('d', 4);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
  });

  it('counts a set of an existing key as a use, not as a new entry', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('a', 10);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(10);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.size).toBe(2);
  });

  it('deletes and clears', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.delete('a');
    expect(lru.get('a')).toBeUndefined();
    lru.set('b', 2);
    lru.clear();
    expect(lru.size).toBe(0);
  });
});

describe.each([memoryBackend, stickyBackend])('$name capacity', (def) => {
  const turn = (id: string) => ({ id, user: 'u', reply: 'r' });

  it('keeps the `capacity` most recently used sessions of an instance', async () => {
    const store = def.create({ instanceIndex: 0, instanceCount: 1, secret: SECRET }, defaultOptions(def, { capacity: 2 }) as never);
    await store.save('s1', 0, [turn('a')]);
    await store.save('s2', 0, [turn('b')]);
    await store.load('s1', {});
    await store.save('s3', 0, [turn('c')]);
    expect(await store.load('s2', {})).toBeUndefined();
    expect((await store.load('s1', {}))!.turns).toEqual([turn('a')]);
    expect((await store.load('s3', {}))!.turns).toEqual([turn('c')]);
    // touch is a use too.
    await store.touch('s1');
    await store.save('s4', 0, [turn('d')]);
    expect(await store.load('s3', {})).toBeUndefined();
    expect(await store.load('s1', {})).toBeDefined();
    await store.close();
  });

  it('defaults to 100000 sessions', () => {
    expect(defaultOptions(def).capacity).toBe(100_000);
  });
});
