/**
 * Fault proxies in a worker thread (proxy-worker.ts), driven from the main thread: the same
 * operations as TcpProxy (listen, add and remove a toxic, close), each a message answered by the
 * worker. One host per cluster; `close` ends every proxy and the thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Address } from './proxy.js';
import type { ToxicSpec } from './toxics/types.js';

/** A command to the worker; `id` matches the answer to the question (a toxic's id is `toxic`). */
export type ProxyCommand = { id: number; proxy: number } & (
  | { op: 'create'; name: string; upstream: Address; seed: number }
  | { op: 'add'; spec: ToxicSpec }
  | { op: 'remove'; toxic: number }
  | { op: 'close' }
);

/** Omit from each member of a union (a plain Omit would merge the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** What the rest of sessbench sees of a proxy: where it listens, and its toxics. */
export interface FaultLink {
  readonly name: string;
  /** The loopback port clients connect to. */
  readonly port: number;
  /** Add a toxic to open and new connections; resolves to its id. Rejects for invalid parameters. */
  addToxic(spec: ToxicSpec): Promise<number>;
  /** Remove a toxic; data it held flows on, in order. */
  removeToxic(id: number): Promise<void>;
  close(): Promise<void>;
}

/** The compiled worker; the harness runs from dist/ (tests too: they build first). */
function workerEntry(): string {
  const entry = fileURLToPath(new URL('../../dist/faults/proxy-worker.js', import.meta.url));
  if (!existsSync(entry)) throw new Error(`proxy worker ${entry} is missing: run \`npm run build\``);
  return entry;
}

export class ProxyHost {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private nextProxy = 1;
  private closed = false;

  constructor(private readonly seed: number) {
    this.worker = new Worker(workerEntry());
    this.worker.on('message', (a: Answer) => {
      const w = this.waiting.get(a.id);
      this.waiting.delete(a.id);
      if (a.ok) w?.resolve(a.value);
      else w?.reject(new Error(a.error));
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', () => this.failAll(new Error('the proxy thread ended')));
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private ask(command: DistributiveOmit<ProxyCommand, 'id'>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the proxy host is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...command, id });
    });
  }

  /** The proxy thread's event-loop utilization (since `since`, when given): how busy relaying kept it. */
  utilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization(since);
  }

  /** A proxy in front of `upstream`, listening on a free loopback port. */
  async create(name: string, upstream: Address): Promise<FaultLink> {
    const proxy = this.nextProxy++;
    const port = (await this.ask({ op: 'create', proxy, name, upstream, seed: this.seed })) as number;
    return {
      name,
      port,
      addToxic: async (spec) => (await this.ask({ op: 'add', proxy, spec })) as number,
      removeToxic: async (toxic) => void (await this.ask({ op: 'remove', proxy, toxic })),
      close: async () => void (await this.ask({ op: 'close', proxy }).catch(() => undefined)),
    };
  }

  /** End every proxy (their connections cut) and the thread. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
    this.failAll(new Error('the proxy host is closed'));
  }
}
