/**
 * The store contract, run over every backend in the registry: a backend added tomorrow is tested
 * the day it is added. Redis-backed stores run against a real redis-server.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../../../src/backends/registry.js';
import { type SessionStore, type TurnRecord, isSized } from '../../../src/backends/types.js';
import { sizeSummary } from '../../../src/backends/session-sizes.js';
import { useRedis } from '../../helpers/redis.js';
import { makeStore } from '../../helpers/stores.js';

const redis = useRedis();
const turn = (id: string): TurnRecord => ({ id, user: `user says ${id}`, reply: `reply to ${id}` });
const newId = () => randomBytes(16).toString('base64url');

describe.each(Object.keys(backends) as (keyof typeof backends)[])('%s store', (name) => {
  const open: SessionStore[] = [];
  const store = (opts: Parameters<typeof makeStore>[2] = {}) => {
    const s = makeStore(name, redis.get(), opts);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('knows no session it never saved', async () => {
    expect(await store().load(newId(), {})).toBeUndefined();
  });

  it('saves, loads and versions a session', async () => {
    const s = store();
    const id = newId();
    expect(await s.save(id, 0, [turn('a')])).toBe(1);
    expect(await s.load(id, { cookieVersion: 1 })).toEqual({ version: 1, turns: [turn('a')] });
    expect(await s.save(id, 1, [turn('a'), turn('b')])).toBe(2);
    expect(await s.load(id, { cookieVersion: 2 })).toEqual({ version: 2, turns: [turn('a'), turn('b')] });
    expect(await s.load(id, {})).toEqual({ version: 2, turns: [turn('a'), turn('b')] });
  });

  it('keeps sessions apart', async () => {
    const s = store();
    const [x, y] = [newId(), newId()];
    await s.save(x, 0, [turn('x1')]);
    await s.save(y, 0, [turn('y1')]);
    expect((await s.load(x, {}))!.turns).toEqual([turn('x1')]);
    expect((await s.load(y, {}))!.turns).toEqual([turn('y1')]);
  });

  it('destroys a session and touches without changing it', async () => {
    const s = store();
    const id = newId();
    await s.save(id, 0, [turn('a')]);
    await s.touch(id);
    expect((await s.load(id, {}))!.version).toBe(1);
    await s.destroy(id);
    expect(await s.load(id, {})).toBeUndefined();
  });

  it('counts what it did', async () => {
    const s = store();
    const id = newId();
    await s.save(id, 0, [turn('a')]);
    await s.load(id, {});
    const c = s.counters();
    if (backends[name].usesRedis) {
      expect(c.remoteWrites).toBeGreaterThanOrEqual(1);
      expect(c.bytesWritten).toBeGreaterThan(0);
    } else {
      expect(c.localHits).toBe(1);
    }
    expect(c.errors).toBe(0);
  });

  it('reports the encoded size of every session it stored, when it keeps sessions encoded', async () => {
    const s = store();
    const id = newId();
    await s.save(id, 0, [turn('a')]);
    await s.save(id, 1, [turn('a'), turn('b')]);
    expect(isSized(s)).toBe(backends[name].usesRedis);
    if (!isSized(s)) return;
    const sizes = sizeSummary([s.sessionSizes()])!;
    expect(sizes.count).toBe(2);
    // Two sessions of different sizes, and together exactly what the store wrote.
    expect(sizes.max).toBeGreaterThan(sizes.p50);
    expect(Math.abs(sizes.mean * 2 - s.counters().bytesWritten)).toBeLessThanOrEqual(1);
  });

  it('shares sessions between instances only when it is backed by Redis', async () => {
    const prefix = `shared:${randomBytes(4).toString('hex')}:`;
    const a = store({ index: 0, prefix });
    const b = store({ index: 1, prefix });
    const id = newId();
    await a.save(id, 0, [turn('a')]);
    const seen = await b.load(id, { cookieVersion: 1 });
    if (backends[name].usesRedis) expect(seen).toEqual({ version: 1, turns: [turn('a')] });
    else expect(seen).toBeUndefined();
  });
});
