/**
 * A run on a Redis Cluster leaves nothing behind when it is interrupted (Ctrl-C: exit 130) or killed
 * outright (SIGKILL, where no cleanup code of the harness runs: its watchdog process does it): no
 * redis-server, no instance, no temporary folder of the run.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * True while the process runs. A killed process whose parent is gone may stay a zombie until its
 * new parent reaps it (in a container, maybe never): it runs nothing and holds nothing but its pid.
 */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A run of the cluster scenario under way: the CLI, its children and the redis-servers' folders. */
async function underWay() {
  const file = variant('redis-cluster-failover.yaml', tmp.dir, [
    [['backends'], ['redis-cluster']],
    [['faults'], []],
    [['load', 'phases'], [{ duration: '60s', arrivalRate: 10 }]],
  ]);
  const run = startCli(['run', file, '--out', join(tmp.dir, 'reports')]);
  let stderr = '';
  run.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; i < 150 && !/turns\s+[1-9]/.test(stderr); i++) await sleep(100);
  expect(stderr).toMatch(/turns\s+[1-9]/);
  const kids = childrenOf(run.child.pid!);
  const dirs = kids.flatMap((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return cwd.includes('sessbench-redis-') ? [cwd] : [];
    } catch {
      return [];
    }
  });
  // 6 cluster nodes, 4 instances (and the watchdog).
  expect(kids.length).toBeGreaterThanOrEqual(10);
  expect(dirs).toHaveLength(6);
  return { ...run, kids, dirs };
}

async function nothingLeft(kids: number[], dirs: string[]): Promise<void> {
  for (let i = 0; i < 30 && kids.some(isAlive); i++) await sleep(100);
  for (const pid of kids) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
  for (const dir of dirs) expect(existsSync(dir), `${dir} still there`).toBe(false);
}

describe('a Redis Cluster run leaves nothing behind', () => {
  it('on Ctrl-C', async () => {
    const run = await underWay();
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(130);
    await nothingLeft(run.kids, run.dirs);
  }, 60_000);

  it('on kill -9', async () => {
    const run = await underWay();
    run.child.kill('SIGKILL');
    await run.done;
    await nothingLeft(run.kids, run.dirs);
  }, 60_000);
});
