/**
 * Bad input through the real CLI: the documented exit code, every problem with its position, and
 * never a stack trace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const STACK = /^\s+at /m;

function scenario(name: string, text: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, text);
  return file;
}

describe('invalid input', () => {
  it('reports a key typo, a bad duration and a negative rate at once, with positions, exit 2', async () => {
    const file = scenario('broken.yaml', `name: broken
backends: [redis]
clustr:
  instances: 4
load:
  phases:
    - { duration: soon, arrivalRate: -3 }
`);
    for (const cmd of ['run', 'validate']) {
      const r = await runCli([cmd, file]);
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1 clustr: unknown key \\(did you mean "cluster"\\?\\); expected one of name, .*cluster, load`));
      expect(lines[1]).toContain(`${file}:7:19 load.phases[0].duration: expected a duration like "250ms" or "1.5s", got "soon"`);
      expect(lines[2]).toContain(`${file}:7:38 load.phases[0].arrivalRate: expected a number >= 0, got -3`);
      expect(r.stderr).toContain('3 problems; nothing was run.');
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('says so when the scenario file does not exist', async () => {
    const r = await runCli(['validate', join(tmp.dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.yaml no such file');
  });

  it('rejects an unknown backend on the command line with a suggestion', async () => {
    const file = scenario('ok.yaml', 'name: ok\nbackends: [memory]\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\n');
    const r = await runCli(['run', file, '--backend', 'memroy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend "memroy" is not in this scenario (did you mean "memory"?)');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('rejects bad options and unknown commands with exit 2, saying which', async () => {
    // A scenario that would otherwise start (and fail fast: its redis-server does not exist), so
    // only the --seed value can be what is refused.
    const file = scenario('seed.yaml', 'name: s\nbackends: [redis]\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\n');
    const out = join(tmp.dir, 'seed-reports');
    for (const seed of ['abc', '-1', '1.5', '2147483648']) {
      const r = await runCli(['run', file, '--seed', seed, '--redis-bin', '/nonexistent/redis-server', '--out', out]);
      expect(r.code, seed).toBe(2);
      expect(r.stderr, seed).toContain(`option '--seed <n>' argument '${seed}' is invalid. expected a whole number from 0 to 2147483647`);
    }
    // The same file with a good seed gets as far as starting Redis.
    expect((await runCli(['run', file, '--seed', '7', '--redis-bin', '/nonexistent/redis-server', '--out', out])).code).toBe(5);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const port = await runCli(['view', tmp.dir, '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('expected a port from 0 to 65535');
  });

  it('names the install commands when redis-server is missing, exit 5', async () => {
    const file = scenario('redis.yaml', 'name: r\nbackends: [redis]\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\n');
    const r = await runCli(['run', file, '--redis-bin', '/nonexistent/redis-server', '--out', join(tmp.dir, 'reports')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('could not start redis-server at /nonexistent/redis-server');
    expect(r.stderr).toContain('apt-get install redis-server');
    expect(r.stderr).toContain('brew install redis');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('prints help with an example for every command', async () => {
    for (const cmd of ['run', 'validate', 'backends', 'schema']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Example:\n\s+\$ npx sessbench/);
    }
  });
});
