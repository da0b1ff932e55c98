/**
 * The Redis a run uses: a real `redis-server` spawned on a free loopback port with no persistence
 * (or a server named with --redis-url), and an admin connection the harness uses for keyspace
 * resets, INFO commandstats and cleanup. Instances never use the admin connection: they reach
 * Redis through the fault proxy.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { EnvironmentError, UsageError, messageOf } from '../errors.js';
import { removeTempDir, running, stopChild, tempDir } from './children.js';
import { freePort, isLoopback } from './ports.js';
import { adminClient, baseArgs, parseCommandStats, redisBin, spawnRedis, waitForPing } from './redis-node.js';

export interface RedisOptions {
  /** Path of redis-server; looked up on PATH when absent. */
  bin?: string;
  /** Use this server instead of spawning one (loopback only). */
  url?: string;
}

/**
 * Commands that read a session, and commands that write one, as Redis counts them: client round
 * trips. INFO commandstats also counts the commands a Lua script runs inside EVALSHA; sessbench's
 * scripts use only HGET, HSET and PEXPIRE inside, and no store sends those directly, so they are
 * left out here and a compare-and-set counts once, as its EVALSHA.
 */
const READ_COMMANDS = new Set(['get', 'getex', 'mget', 'hmget', 'hgetall', 'exists']);
const WRITE_COMMANDS = new Set(['set', 'setex', 'psetex', 'hmset', 'del', 'unlink', 'expire', 'evalsha', 'eval']);

export interface CommandCounts {
  reads: number;
  writes: number;
  /** Every command by name (lower case) → calls. */
  byCommand: Record<string, number>;
}

/** Session reads and writes among calls per command. */
export function countsOf(byCommand: Record<string, number>): CommandCounts {
  let reads = 0;
  let writes = 0;
  for (const [name, calls] of Object.entries(byCommand)) {
    if (READ_COMMANDS.has(name)) reads += calls;
    else if (WRITE_COMMANDS.has(name)) writes += calls;
  }
  return { reads, writes, byCommand };
}

/** The keys under a prefix and what a sample of them costs Redis (MEMORY USAGE). */
export interface KeyMemory {
  keys: number;
  /** MEMORY USAGE of each sampled key, in bytes. */
  sampled: number[];
}

export class RedisServer {
  private constructor(
    readonly host: string,
    readonly port: number,
    readonly version: string,
    /** True when sessbench spawned this server (and may flush it). */
    readonly owned: boolean,
    readonly admin: Redis,
    private child: ChildProcess | undefined,
    private readonly dir: string | undefined,
    private readonly bin?: string,
  ) {}

  /** Command counts from before a restart (Redis resets its own on restart). */
  private carried: Record<string, number> = {};

  /**
   * Kill redis-server (SIGKILL) and start it again, empty, on the same port: every session is gone,
   * as on a real restart without persistence. Only for a server sessbench started.
   */
  async restart(): Promise<void> {
    if (!this.owned || !this.child || !this.bin || !this.dir) {
      throw new UsageError('a Redis restart needs a redis-server that sessbench started (not --redis-url)');
    }
    for (const [k, v] of Object.entries((await this.commandCounts()).byCommand)) this.carried[k] = v;
    const old = this.child;
    const gone = new Promise<void>((resolve) => old.once('exit', () => resolve()));
    old.kill('SIGKILL');
    await gone;
    this.child = await spawnServer(this.bin, this.port, this.dir, this.admin);
  }

  /** Spawn redis-server (or connect to --redis-url) and wait until it answers PING. */
  static async start(opts: RedisOptions): Promise<RedisServer> {
    if (opts.url) return RedisServer.connectExisting(opts.url);
    const bin = redisBin(opts.bin);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await RedisServer.spawnOnce(bin);
      } catch (err) {
        lastError = err;
        if (err instanceof EnvironmentError && !/in use/i.test(err.message)) throw err;
      }
    }
    throw lastError;
  }

  private static async spawnOnce(bin: string): Promise<RedisServer> {
    const port = await freePort();
    const dir = tempDir('redis');
    const admin = adminClient(port);
    try {
      const child = await spawnServer(bin, port, dir, admin);
      const version = await serverVersion(admin);
      return new RedisServer('127.0.0.1', port, version, true, admin, child, dir, bin);
    } catch (err) {
      admin.disconnect();
      removeTempDir(dir);
      throw err;
    }
  }

  private static async connectExisting(url: string): Promise<RedisServer> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--redis-url ${JSON.stringify(url)} is not a URL`, 'use the form redis://127.0.0.1:6379');
    }
    if (parsed.protocol !== 'redis:')
      throw new UsageError(`--redis-url must start with redis://, got ${parsed.protocol}//`);
    const host = parsed.hostname;
    if (!isLoopback(host)) {
      throw new UsageError(
        `--redis-url host ${host} is not a loopback address`,
        'sessbench sends traffic only to 127.0.0.0/8, ::1 or localhost',
      );
    }
    const port = Number(parsed.port || 6379);
    const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => {});
    try {
      await waitForPing(admin, 3000);
    } catch (err) {
      admin.disconnect();
      throw new EnvironmentError(`could not reach Redis at ${url}: ${messageOf(err)}`, { cause: err });
    }
    return new RedisServer(host, port, await serverVersion(admin), false, admin, undefined, undefined);
  }

  /** Give the next backend an empty keyspace and fresh command counters (own server only). */
  async reset(): Promise<void> {
    this.carried = {};
    if (!this.owned) return;
    await this.admin.flushall();
    await this.admin.config('RESETSTAT');
  }

  /** Calls per command from INFO commandstats, grouped into session reads and writes. */
  async commandCounts(): Promise<CommandCounts> {
    const byCommand: Record<string, number> = { ...this.carried };
    for (const [name, calls] of Object.entries(parseCommandStats(await this.admin.info('commandstats'))))
      byCommand[name] = (this.carried[name] ?? 0) + calls;
    return countsOf(byCommand);
  }

  /** Redis's `used_memory` (INFO memory), in bytes. */
  async usedMemory(): Promise<number> {
    const info = await this.admin.info('memory');
    const used = /^used_memory:(\d+)/m.exec(info)?.[1];
    if (used === undefined) throw new Error('INFO memory has no used_memory');
    return Number(used);
  }

  /** How many keys there are under `prefix`, and MEMORY USAGE (every field counted) of up to `sample` of them. */
  async keyMemory(prefix: string, sample: number): Promise<KeyMemory> {
    let keys = 0;
    const sampled: number[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys += batch.length;
      const pick = batch.slice(0, Math.max(0, sample - sampled.length));
      if (pick.length === 0) continue;
      const pipeline = this.admin.pipeline();
      for (const k of pick) pipeline.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      for (const [err, bytes] of (await pipeline.exec()) ?? []) {
        // A key that expired or was deleted since the SCAN has no usage (null).
        if (!err && typeof bytes === 'number') sampled.push(bytes);
      }
    } while (cursor !== '0');
    return { keys, sampled };
  }

  /** Delete every key under a prefix (used with --redis-url, where nothing else may be flushed). */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await this.admin.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** Close the admin connection and stop the server if sessbench started it. Idempotent. */
  async stop(): Promise<void> {
    this.admin.disconnect();
    const child = this.child;
    if (child && running(child)) await stopChild(child, () => child.kill('SIGTERM'), 2000);
    if (this.dir) removeTempDir(this.dir);
  }
}

/** Spawn redis-server on `port` without persistence and wait until `admin` gets PONG from it. */
function spawnServer(bin: string, port: number, dir: string, admin: Redis): Promise<ChildProcess> {
  return spawnRedis(bin, baseArgs(port, dir), port, admin);
}

async function serverVersion(client: Redis): Promise<string> {
  const info = await client.info('server');
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}
