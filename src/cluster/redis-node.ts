/**
 * One redis-server process (a node of a topology, or a Sentinel) on a free loopback port, in a
 * temporary folder of its own, with an admin connection for the harness. It can be killed,
 * paused and started again on the same port and folder (a cluster node keeps its identity in its
 * nodes.conf there). Every process is tracked (children.ts), and `stop` removes the folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { EnvironmentError, messageOf } from '../errors.js';
import { removeTempDir, running, stopChild, tempDir, track } from './children.js';
import { freePort } from './ports.js';

export const INSTALL_HINT =
  'install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`), name it with ' +
  '--redis-bin, or use a running server with --redis-url redis://127.0.0.1:6379';

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** redis-server from --redis-bin or PATH, or an EnvironmentError that says how to install it. */
export function redisBin(bin: string | undefined): string {
  const found = bin ?? findOnPath('redis-server');
  if (!found) throw new EnvironmentError('redis-server was not found on PATH', { hint: INSTALL_HINT });
  return found;
}

/** Arguments every spawned server gets: loopback only, no persistence, quiet. */
export function baseArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    '--dir',
    dir,
  ];
}

/** Spawn redis-server with `args` and wait until `admin` gets PONG from it on `port`. */
export async function spawnRedis(bin: string, args: string[], port: number, admin: Redis): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new EnvironmentError(`could not start redis-server at ${bin}: ${messageOf(err)}`, {
          hint: INSTALL_HINT,
          cause: err,
        }),
      ),
    );
    child.once('exit', (code) =>
      reject(
        new EnvironmentError(
          `redis-server at ${bin} exited with code ${code} on port ${port}: ${output.trim().split('\n').pop() ?? ''}`,
        ),
      ),
    );
  });
  exited.catch(() => {});
  try {
    await Promise.race([exited, waitForPing(admin, 10_000)]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.removeAllListeners('exit');
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  // Keep draining the pipes so a chatty server never blocks on a full one.
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

export async function waitForPing(client: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await client.connect().catch(() => {});
  for (;;) {
    try {
      if ((await client.ping()) === 'PONG') return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new EnvironmentError(`Redis did not answer within ${timeoutMs} ms: ${messageOf(err)}`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An admin connection that does not connect until asked and never queues or retries commands forever. */
export function adminClient(port: number): Redis {
  const admin = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 2000,
    retryStrategy: () => 50,
  });
  admin.on('error', () => {});
  return admin;
}

/** Calls per command (lower case, subcommands as "cluster|slots") from INFO commandstats. */
export function parseCommandStats(info: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!.toLowerCase()] = Number(m[2]);
  return out;
}

/** One spawned redis-server (or Sentinel). */
export class RedisNode {
  private child: ChildProcess | undefined;
  readonly admin: Redis;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    private readonly args: (port: number, dir: string) => string[],
  ) {
    this.admin = adminClient(port);
  }

  /**
   * Spawn a node on a free port; `args` builds its command line from the port and its folder (run
   * again by `restart`). Retries on another port if the one found was taken meanwhile, unless the
   * caller chose `port` (others' configuration names it).
   */
  static async start(
    name: string,
    bin: string,
    args: (port: number, dir: string) => string[],
    port?: number,
  ): Promise<RedisNode> {
    let lastError: unknown;
    for (let attempt = 0; attempt < (port ? 1 : 3); attempt++) {
      const dir = tempDir('redis');
      const node = new RedisNode(name, port ?? (await freePort()), dir, bin, args);
      try {
        node.child = await spawnRedis(bin, args(node.port, node.dir), node.port, node.admin);
        return node;
      } catch (err) {
        lastError = err;
        await node.stop();
        if (!(err instanceof EnvironmentError) || !/in use|exited/i.test(err.message)) throw err;
      }
    }
    throw lastError;
  }

  get alive(): boolean {
    return this.child !== undefined && running(this.child);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !running(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGSTOP / SIGCONT. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.alive) this.child!.kill(sig);
  }

  /** Start it again on the same port and folder (after a kill: empty, no persistence). */
  async restart(): Promise<void> {
    await this.kill();
    this.child = await spawnRedis(this.bin, this.args(this.port, this.dir), this.port, this.admin);
  }

  /** One INFO section as text; undefined when the node does not answer. */
  async info(section: string): Promise<string | undefined> {
    if (!this.alive) return undefined;
    try {
      return await this.admin.info(section);
    } catch {
      return undefined;
    }
  }

  /** Stop the process and remove its folder. Idempotent. */
  async stop(): Promise<void> {
    this.admin.disconnect();
    const child = this.child;
    if (child && running(child)) {
      child.kill('SIGCONT');
      await stopChild(child, () => child.kill('SIGTERM'), 1000);
    }
    removeTempDir(this.dir);
  }
}
