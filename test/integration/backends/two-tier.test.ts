import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, type SessionStore } from '../../../src/backends/types.js';
import { runTurn } from '../../../src/service/turn.js';
import { useRedis } from '../../helpers/redis.js';
import { SECRET, makeStore } from '../../helpers/stores.js';

const redis = useRedis();
const turn = (id: string) => ({ id, user: 'u', reply: 'r' });

describe('two-tier', () => {
  const open: SessionStore[] = [];
  const pair = () => {
    const prefix = `tt:${randomBytes(4).toString('hex')}:`;
    const a = makeStore('two-tier', redis.get(), { index: 0, prefix });
    const b = makeStore('two-tier', redis.get(), { index: 1, prefix });
    open.push(a, b);
    return [a, b] as const;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('lets exactly one of two concurrent writers of the same version win', async () => {
    const [a, b] = pair();
    const id = randomBytes(16).toString('base64url');
    await a.save(id, 0, [turn('t0')]);
    await b.load(id, { cookieVersion: 1 });
    const outcomes = await Promise.allSettled([a.save(id, 1, [turn('t0'), turn('from-a')]), b.save(id, 1, [turn('t0'), turn('from-b')])]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
    expect((lost[0]!.reason as ConflictError).storedVersion).toBe(2);
    // Nobody overwrote the winner.
    const stored = await a.load(id, { forceRemote: true });
    expect(stored!.version).toBe(2);
    expect(stored!.turns).toHaveLength(2);
  });

  it('reads Redis only when the cookie says the local copy is old', async () => {
    const [a, b] = pair();
    const id = randomBytes(16).toString('base64url');
    await a.save(id, 0, [turn('t0')]);
    await a.load(id, { cookieVersion: 1 });
    expect(a.counters()).toMatchObject({ localHits: 1, remoteReads: 0 });
    await b.save(id, 1, [turn('t0'), turn('t1')]);
    const seen = await a.load(id, { cookieVersion: 2 });
    expect(seen!.version).toBe(2);
    expect(a.counters()).toMatchObject({ localHits: 1, remoteReads: 1 });
    // Without a trusted cookie version the local copy is never trusted.
    await a.load(id, {});
    expect(a.counters().remoteReads).toBe(2);
  });

  it('keeps both turns when two requests of one session race through the service', async () => {
    const [a, b] = pair();
    const cfg = (store: SessionStore, i: number) => ({
      instanceIndex: i, store, versionCookie: true, secret: SECRET, historyTurns: 50, replyBytes: 10, language: 'en' as const,
      maxBodyBytes: 1000, prefillMsPerKB: 0, inflight: new Map(),
    });
    const first = await runTurn(cfg(a, 0), { id: undefined, hint: {} }, { turnId: 't0', message: 'hi' });
    const sid = first.sessionId;
    await b.load(sid, { cookieVersion: 1 });
    const [x, y] = await Promise.all([
      runTurn(cfg(a, 0), { id: sid, hint: { cookieVersion: 1 } }, { turnId: 'x', message: 'x' }),
      runTurn(cfg(b, 1), { id: sid, hint: { cookieVersion: 1 } }, { turnId: 'y', message: 'y' }),
    ]);
    expect([x.version, y.version].sort()).toEqual([2, 3]);
    const final = await a.load(sid, { forceRemote: true });
    expect(final!.turns.map((t) => t.id).sort()).toEqual(['t0', 'x', 'y']);
    expect(a.counters().conflicts + b.counters().conflicts).toBe(1);
  });
});
