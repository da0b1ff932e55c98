/**
 * twemproxy (nutcracker): one Redis proxy in front of standalone nodes, hashing keys onto them with
 * ketama (md5) as the hash-ring backend's `via: twemproxy` has it. It listens on a free loopback port
 * (and its stats port is loopback too); a membership change rewrites its configuration and starts
 * it again on the same port, since nutcracker cannot reload one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EnvironmentError, messageOf } from '../errors.js';
import { removeTempDir, running, stopChild, tempDir, track } from './children.js';
import { freePort } from './ports.js';
import { findOnPath } from './redis-node.js';

/** A server on the ring: its name places it (ketama), its address is where nutcracker connects. */
export interface TwemproxyServer {
  name: string;
  port: number;
}

const HINT = 'install it (Debian/Ubuntu: `sudo apt-get install nutcracker`, macOS: `brew install twemproxy`)';

function nutcrackerBin(): string {
  const bin = findOnPath('nutcracker') ?? (existsSync('/usr/sbin/nutcracker') ? '/usr/sbin/nutcracker' : undefined);
  if (!bin) throw new EnvironmentError('nutcracker (twemproxy) was not found on PATH or in /usr/sbin', { hint: HINT });
  return bin;
}

export class Twemproxy {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly statsPort: number,
    private readonly dir: string,
    private readonly bin: string,
    private readonly timeoutMs: number,
  ) {}

  /** Start nutcracker in front of `servers`; resolves once it answers PING. */
  static async start(servers: readonly TwemproxyServer[], timeoutMs: number): Promise<Twemproxy> {
    const t = new Twemproxy(await freePort(), await freePort(), tempDir('twemproxy'), nutcrackerBin(), timeoutMs);
    try {
      await t.spawn(servers);
      return t;
    } catch (err) {
      await t.stop();
      throw err;
    }
  }

  private config(servers: readonly TwemproxyServer[]): string {
    return [
      'sessbench:',
      `  listen: 127.0.0.1:${this.port}`,
      '  hash: md5',
      '  distribution: ketama',
      '  redis: true',
      '  preconnect: true',
      '  auto_eject_hosts: false',
      `  timeout: ${this.timeoutMs}`,
      '  servers:',
      ...servers.map((s) => `    - 127.0.0.1:${s.port}:1 ${s.name}`),
      '',
    ].join('\n');
  }

  private async spawn(servers: readonly TwemproxyServer[]): Promise<void> {
    const conf = join(this.dir, 'nutcracker.yml');
    writeFileSync(conf, this.config(servers));
    const args = ['-c', conf, '-o', join(this.dir, 'nutcracker.log'), '-s', String(this.statsPort), '-a', '127.0.0.1'];
    const child = spawn(this.bin, args, { stdio: 'ignore' });
    track(child);
    this.child = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) =>
        reject(new EnvironmentError(`could not start nutcracker: ${messageOf(err)}`, { hint: HINT })),
      );
      child.once('exit', (code) =>
        reject(new EnvironmentError(`nutcracker exited with code ${code} on port ${this.port}`)),
      );
    });
    exited.catch(() => {});
    // No ready check and no CLIENT SETINFO: nutcracker implements neither, and closes the connection.
    const probe = new Redis({
      port: this.port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: () => 20,
    });
    probe.on('error', () => {});
    try {
      await Promise.race([exited, waitUntil(() => probe.ping(), 10_000)]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      probe.disconnect();
    }
    child.removeAllListeners('exit');
  }

  /** Start again with a new server list (the old connections are closed). */
  async restart(servers: readonly TwemproxyServer[]): Promise<void> {
    await this.halt();
    await this.spawn(servers);
  }

  private async halt(): Promise<void> {
    const child = this.child;
    if (child && running(child)) await stopChild(child, () => child.kill('SIGTERM'), 1000);
  }

  async stop(): Promise<void> {
    await this.halt();
    removeTempDir(this.dir);
  }
}

async function waitUntil(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end)
        throw new EnvironmentError(`nutcracker did not answer within ${timeoutMs} ms: ${messageOf(err)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
