/**
 * `--redis-url`: sessbench uses a server it did not start, touches only keys under its run prefix,
 * deletes them afterwards and never flushes.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { runCli, tempDir, variant } from '../helpers/cli.js';
import { useRedis } from '../helpers/redis.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const redis = useRedis();

describe('run --redis-url', () => {
  it('leaves the server as it found it', async () => {
    const admin = redis.get().admin;
    await admin.set('someone-elses-key', 'keep me');
    const file = variant('quickstart.yaml', tmp.dir, [
      [['backends'], ['redis', 'two-tier']],
      [['load', 'phases'], [{ duration: '1s', arrivalRate: 10 }]],
      [['load', 'warmup'], 0],
    ]);
    const r = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports'), '--redis-url', `redis://127.0.0.1:${redis.get().port}`]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as RunResults;
    expect(results.environment.redisMode).toBe('external');
    expect(results.warnings.join('\n')).toContain('external server');
    for (const b of results.backends) {
      expect(b.turns.total).toBeGreaterThan(20);
      expect(b.turns.lost + b.turns.fail + b.turns.info).toBe(0);
      expect(b.redis!.writes).toBeGreaterThan(0);
    }
    expect(await admin.keys('*')).toEqual(['someone-elses-key']);
    expect(await admin.get('someone-elses-key')).toBe('keep me');
  }, 60_000);
});
