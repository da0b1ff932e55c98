/**
 * The ioredis client every Redis-backed store uses, configured so that a Redis outage becomes
 * errors rather than an endless hang: a per-command timeout, one retry per request, and a bounded
 * offline queue (ioredis' own queue has no bound, so the store counts what it queued itself).
 */
import { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import type { StoreCounters } from '../results/schema.js';
import { type RedisTarget, StoreError } from './types.js';

export interface RedisClientOptions {
  commandTimeout: number;
  connectTimeout: number;
  maxOfflineQueue: number;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms while reconnecting`)), ms);
  });
  p.catch(() => {});
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export class GuardedRedis {
  readonly client: Redis;
  private offline = 0;

  constructor(
    target: RedisTarget,
    private readonly opts: RedisClientOptions,
    private readonly stats: StoreCounters,
  ) {
    this.client = new Redis({
      host: target.host,
      port: target.port,
      commandTimeout: opts.commandTimeout,
      connectTimeout: opts.connectTimeout,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      // Reconnect quickly but not in a tight loop while Redis is away.
      retryStrategy: (times: number) => Math.min(50 * times, 500),
      lazyConnect: false,
    });
    // Connection errors surface through the commands that fail; an unhandled 'error' event would
    // end the instance process.
    this.client.on('error', () => {});
  }

  /**
   * Run one Redis operation. Fails at once when Redis is not connected and the offline queue is
   * full; every failure becomes a StoreError of the given phase and is counted.
   */
  async run<T>(phase: 'read' | 'write', op: (c: Redis) => Promise<T>): Promise<T> {
    const queued = this.client.status !== 'ready';
    if (queued) {
      if (this.offline >= this.opts.maxOfflineQueue) {
        this.stats.errors++;
        throw new StoreError(phase, `redis is not connected (${this.client.status}) and the offline queue is full`);
      }
      this.offline++;
    }
    try {
      // ioredis holds commands queued while disconnected until it reconnects or gives up; bound
      // them by the command timeout too, so an outage is an error in time, never a hang.
      return queued ? await withDeadline(op(this.client), this.opts.commandTimeout) : await op(this.client);
    } catch (err) {
      this.stats.errors++;
      throw new StoreError(phase, `redis ${phase} failed: ${messageOf(err)}`);
    } finally {
      if (queued) this.offline--;
    }
  }

  async quit(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
