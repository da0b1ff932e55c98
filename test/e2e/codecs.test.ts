/**
 * What a session costs in bytes (issue acceptance): the shipped codecs scenario, cut to json as is
 * and json with gzip, through the real CLI, real instances and a real redis-server.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendResult, RunResults } from '../../src/results/schema.js';
import { runCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
let results: RunResults;
let stderr: string;
let code: number | null;
const by = (label: string): BackendResult => results.backends.find((b) => b.label === label)!;

beforeAll(async () => {
  const file = variant('codecs.yaml', tmp.dir, [
    [['backends'], [
      { backend: 'redis', label: 'json', codec: 'json' },
      { backend: 'redis', label: 'json-gzip', codec: 'json', compress: 'gzip', compressAbove: 512 },
    ]],
    [['load', 'warmup'], '0s'],
    [['load', 'phases'], [{ duration: '2s', arrivalRate: 5 }]],
    [['load', 'conversation', 'turns'], '6..10'],
  ]);
  const r = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports')]);
  code = r.code;
  stderr = r.stderr;
  results = JSON.parse(r.stdout) as RunResults;
}, 120_000);

afterAll(() => tmp.cleanup());

describe('sessbench run (codecs, shortened)', () => {
  it('exits 0 and prints the stored sessions table and the threshold verdicts', () => {
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^Stored sessions$/m);
    expect(stderr).toMatch(/^backend\s+size mean\s+size p99\s+sessions\s+redis memory\s+memory\/key$/m);
    expect(stderr).toMatch(/^✓ json-gzip session_bytes\.p99 < 64KB: \d+(\.\d)? KiB$/m);
  });

  it('gzip shrinks stored English sessions 2 to 5 times', () => {
    const plain = by('json').sessionBytes!;
    const gzip = by('json-gzip').sessionBytes!;
    expect(plain.count).toBe(gzip.count);
    expect(plain.mean / gzip.mean).toBeGreaterThan(2);
    expect(plain.mean / gzip.mean).toBeLessThan(5);
    // The same conversations, so the same number of sessions; each keeps one key in Redis.
    expect(by('json').redisMemory!.keys).toBe(by('json').conversations.started);
    expect(by('json-gzip').redisMemory!.keys).toBe(by('json').redisMemory!.keys);
  });

  it('accounts for the bytes: one session written per turn, and Redis holds about what was stored', () => {
    for (const b of results.backends) {
      const sizes = b.sessionBytes!;
      expect(sizes.count).toBe(b.store.remoteWrites);
      // One write per turn: the bytes written per turn are the mean session.
      expect(b.bytesPerTurn.written! / sizes.mean).toBeGreaterThan(0.97);
      expect(b.bytesPerTurn.written! / sizes.mean).toBeLessThan(1.03);
      expect(b.bytesPerTurn.read).toBeGreaterThan(0);
      // A key holds the conversation's last session, the largest: more than the median save, at
      // most the largest plus Redis's overhead.
      const m = b.redisMemory!;
      expect(m.sampledKeys).toBe(Math.min(100, m.keys));
      expect(m.keyBytesMean).toBeGreaterThan(sizes.p50);
      expect(m.keyBytesMean).toBeLessThan(sizes.max * 1.5 + 200);
      expect(m.usedBytes - m.usedAtStartBytes).toBeGreaterThan(m.keys * sizes.p50);
    }
  });
});
