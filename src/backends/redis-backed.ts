/**
 * What every Redis-backed store shares: the guarded client, the key prefix, the counters, and
 * touch / destroy / close. Subclasses implement load and save, and `forget` for local state.
 */
import type { CodecOptions } from './codec.js';
import { GuardedRedis, type RedisClientOptions } from './redis-client.js';
import {
  type LoadHint, type Session, type SessionStore, type StoreContext, type StoreCounters, type TurnRecord, emptyCounters,
} from './types.js';

export interface RedisBackedOptions extends RedisClientOptions, CodecOptions {
  ttl: number;
  slidingExpiry: boolean;
}

export abstract class RedisBackedStore implements SessionStore {
  protected readonly stats: StoreCounters = emptyCounters();
  protected readonly redis: GuardedRedis;
  protected readonly prefix: string;

  constructor(ctx: StoreContext, protected readonly opts: RedisBackedOptions, backend: string) {
    if (!ctx.redis) throw new Error(`the ${backend} backend needs a Redis target`);
    this.redis = new GuardedRedis(ctx.redis, opts, this.stats);
    this.prefix = ctx.redis.keyPrefix;
  }

  abstract load(id: string, hint: LoadHint): Promise<Session | undefined>;
  abstract save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number>;

  /** Drop whatever the store keeps locally for this session. */
  protected forget(_id: string): void {}

  async touch(id: string): Promise<void> {
    if (!this.opts.slidingExpiry) return;
    this.stats.remoteWrites++;
    await this.redis.run('write', (c) => c.expire(this.prefix + id, Math.max(1, Math.ceil(this.opts.ttl / 1000))));
  }

  async destroy(id: string): Promise<void> {
    this.forget(id);
    this.stats.remoteWrites++;
    await this.redis.run('write', (c) => c.del(this.prefix + id));
  }

  counters(): StoreCounters {
    return { ...this.stats };
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
