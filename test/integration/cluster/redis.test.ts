import { describe, expect, it } from 'vitest';
import { RedisServer } from '../../../src/cluster/redis.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { isAlive } from '../../helpers/processes.js';

describe('RedisServer', () => {
  it('spawns redis-server on a loopback port without persistence and stops it', async () => {
    const r = await RedisServer.start({});
    try {
      expect(r.owned).toBe(true);
      expect(r.host).toBe('127.0.0.1');
      expect(await r.admin.config('GET', 'save')).toEqual(['save', '']);
      expect(await r.admin.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      await r.admin.set('k', 'v');
      await r.reset();
      expect(await r.admin.dbsize()).toBe(0);
    } finally {
      await r.stop();
    }
    const pid = (r as unknown as { child: { pid: number } }).child.pid;
    expect(isAlive(pid)).toBe(false);
  });

  it('counts session reads and writes from INFO commandstats', async () => {
    const r = await RedisServer.start({});
    try {
      await r.reset();
      await r.admin.set('a', '1');
      await r.admin.get('a');
      await r.admin.get('a');
      const c = await r.commandCounts();
      expect(c.reads).toBe(2);
      expect(c.writes).toBe(1);
    } finally {
      await r.stop();
    }
  });

  it('deletes only keys under a prefix', async () => {
    const r = await RedisServer.start({});
    try {
      await r.admin.mset('run:1:a', 1, 'run:1:b', 2, 'other', 3);
      expect(await r.deletePrefix('run:1:')).toBe(2);
      expect(await r.admin.keys('*')).toEqual(['other']);
    } finally {
      await r.stop();
    }
  });

  it("reads used_memory and the MEMORY USAGE of a sample of a prefix's keys", async () => {
    const r = await RedisServer.start({});
    try {
      await r.reset();
      const before = await r.usedMemory();
      const value = 'x'.repeat(20_000);
      for (let i = 0; i < 5; i++) await r.admin.set(`run:2:k${i}`, value);
      await r.admin.set('other', value);
      expect((await r.usedMemory()) - before).toBeGreaterThan(6 * 20_000);
      const m = await r.keyMemory('run:2:', 3);
      expect(m.keys).toBe(5);
      expect(m.sampled).toHaveLength(3);
      for (const bytes of m.sampled) expect(bytes).toBeGreaterThanOrEqual(20_000);
      expect(await r.keyMemory('none:', 3)).toEqual({ keys: 0, sampled: [] });
    } finally {
      await r.stop();
    }
  });

  it('says how to install redis-server when the binary is missing', async () => {
    const err = await RedisServer.start({ bin: '/nonexistent/redis-server' }).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toContain('/nonexistent/redis-server');
    expect(err.hint).toMatch(/apt-get install redis-server/);
    expect(err.hint).toMatch(/brew install redis/);
    expect(err.hint).toMatch(/--redis-url/);
  });

  it('uses an existing server with --redis-url, loopback only', async () => {
    const own = await RedisServer.start({});
    try {
      const ext = await RedisServer.start({ url: `redis://127.0.0.1:${own.port}` });
      expect(ext.owned).toBe(false);
      await ext.admin.set('keep', '1');
      await ext.reset(); // must not flush a server it does not own
      expect(await ext.admin.get('keep')).toBe('1');
      await ext.stop();
      expect(await own.admin.ping()).toBe('PONG');
    } finally {
      await own.stop();
    }
    await expect(RedisServer.start({ url: 'redis://10.0.0.5:6379' })).rejects.toBeInstanceOf(UsageError);
    await expect(RedisServer.start({ url: 'http://127.0.0.1:6379' })).rejects.toBeInstanceOf(UsageError);
  });
});
