/**
 * Instance processes: each a forked Node process running src/service/main.ts with one backend,
 * listening on its own loopback port. Started together; if one fails to start, those already
 * started are stopped. Stopping asks nicely, then kills; nothing outlives `stop()`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EnvironmentError, messageOf } from '../errors.js';
import { running, stopChild, track } from './children.js';
import type { SizeCounts } from '../backends/session-sizes.js';
import type { StoreCounters } from '../results/schema.js';
import type { FromInstance, InstanceConfig, ToInstance } from '../service/messages.js';

/** The compiled instance entry point; the harness runs from dist/ or (in tests) from src/. */
function instanceEntry(): string {
  const entry = fileURLToPath(new URL('../../dist/service/main.js', import.meta.url));
  if (!existsSync(entry))
    throw new EnvironmentError(`instance entry ${entry} is missing`, { hint: 'run `npm run build` first' });
  return entry;
}

export interface InstanceStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU the process used since it started (user + system), µs. */
  cpuMicros: number;
  counters: StoreCounters;
  /** Encoded sizes of the sessions saved; null: none, or not encoded. */
  sessionSizes: SizeCounts | null;
}

export class Instance {
  port = 0;
  peerPort: number | undefined;
  private stderr = '';

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {
    track(child);
    child.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
    });
  }

  get alive(): boolean {
    return running(this.child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the process wrote to stderr, for error messages. */
  get lastOutput(): string {
    return this.stderr.trim();
  }

  send(msg: ToInstance): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** Resolves at the first message of this type, or rejects when the process exits first or time passes. */
  waitFor<T extends FromInstance['type']>(type: T, timeoutMs: number): Promise<Extract<FromInstance, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromInstance) => {
        if (m.type === type) done(() => resolve(m as Extract<FromInstance, { type: T }>));
        else if (m.type === 'fatal') done(() => reject(new Error(m.message)));
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(() =>
          reject(new Error(`instance ${this.index} exited (${signal ?? `code ${code}`}) ${this.lastOutput}`.trim())),
        );
      const timer = setTimeout(
        () => done(() => reject(new Error(`instance ${this.index} sent no ${type} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (then: () => void) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        then();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** Memory and store counters; undefined when the process is gone or does not answer. */
  async stats(): Promise<InstanceStats | undefined> {
    if (!this.alive) return undefined;
    const reply = this.waitFor('stats', 2000).catch(() => undefined);
    this.send({ type: 'stats' });
    const m = await reply;
    return (
      m && {
        rssBytes: m.rssBytes,
        heapUsedBytes: m.heapUsedBytes,
        cpuMicros: m.cpuMicros,
        counters: m.counters,
        sessionSizes: m.sessionSizes,
      }
    );
  }

  /** Send a signal (SIGKILL for a crash, SIGSTOP / SIGCONT for a pause). */
  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** Resolves when the process has exited (at once if it has). */
  exited(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** SIGTERM (the service drains and exits), then SIGKILL after `graceMs`. */
  terminate(graceMs: number): Promise<void> {
    return stopChild(this.child, () => this.child.kill('SIGTERM'), graceMs);
  }

  /** Graceful stop, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs = 2000): Promise<void> {
    return stopChild(
      this.child,
      () => {
        // A paused process can't hear the request.
        this.child.kill('SIGCONT');
        this.send({ type: 'shutdown' });
      },
      graceMs,
    );
  }
}

/** Fork `configs.length` instances and wait until all are listening. */
export async function startInstances(configs: readonly InstanceConfig[]): Promise<Instance[]> {
  const entry = instanceEntry();
  const instances = configs.map(
    (cfg) =>
      new Instance(
        cfg.index,
        fork(entry, [], {
          env: { ...process.env, SESSBENCH_INSTANCE: JSON.stringify(cfg) },
          execArgv: [],
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          serialization: 'json',
        }),
      ),
  );
  try {
    await Promise.all(
      instances.map(async (inst) => {
        const ready = await inst.waitFor('ready', 15_000);
        inst.port = ready.port;
        inst.peerPort = ready.peerPort;
      }),
    );
    return instances;
  } catch (err) {
    await Promise.all(instances.map((i) => i.stop(500)));
    throw new EnvironmentError(`could not start the instances: ${messageOf(err)}`, { cause: err });
  }
}
