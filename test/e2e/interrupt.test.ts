/**
 * Ctrl-C in the middle of a run: exit 130, the partial results are written, and no redis-server
 * or instance process the run started is left running.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { startCli, tempDir, variant } from '../helpers/cli.js';
import { isAlive } from '../helpers/processes.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

describe('interrupt', () => {
  it('writes partial results and leaves no process behind', async () => {
    const file = variant('quickstart.yaml', tmp.dir, [
      [['backends'], ['redis', 'memory']],
      [['load', 'phases'], [{ duration: '60s', arrivalRate: 10 }]],
    ]);
    const { child, done } = startCli(['run', file, '--out', join(tmp.dir, 'reports')]);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    // Wait until the first backend is under load. Off a terminal, progress is printed every 5 s,
    // after redis-server and four instances have started: on a busy machine that can take well
    // over the 10 s this used to allow, so wait up to 45 s (a harness wait, not a speed check).
    for (let i = 0; i < 450 && !/turns\s+[1-9]/.test(stderr); i++) await sleep(100);
    expect(stderr).toMatch(/turns\s+[1-9]/);
    const kids = childrenOf(child.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(5); // redis-server and 4 instances
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    for (const pid of kids) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
    const [dir] = readdirSync(join(tmp.dir, 'reports'));
    const results = JSON.parse(readFileSync(join(tmp.dir, 'reports', dir!, 'results.json'), 'utf8')) as RunResults;
    expect(results.interrupted).toBe(true);
    expect(results.backends.map((b) => b.label)).toEqual(['redis']);
    expect(results.backends[0]!.turns.total).toBeGreaterThan(0);
    // Every report, whole: no temporary file left behind.
    expect(readdirSync(join(tmp.dir, 'reports', dir!)).sort()).toEqual(['junit.xml', 'report.html', 'report.md', 'results.json']);
  }, 90_000);
});
