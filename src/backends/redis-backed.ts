/**
 * What every Redis-backed store shares: the guarded client(s), the key prefix, the counters, and
 * touch / destroy / close. Subclasses implement load and save, and `forget` for local state.
 */
import type { CodecOptions } from './codec.js';
import { type GuardedRedis, type RedisClientOptions, RedisRoute } from './redis-client.js';
import { type StoreCounters, emptyCounters } from '../results/schema.js';
import { type SizeCounts, SessionSizes } from './session-sizes.js';
import type { LoadHint, Session, SizedStore, StoreContext, TurnRecord } from './types.js';

export interface RedisBackedOptions extends RedisClientOptions, CodecOptions {
  ttl: number;
  slidingExpiry: boolean;
  /** What a failed Redis read or write does: see `readFailed` / `writeFailed`. */
  onStoreError: 'error' | 'serve-stale' | 'new-session';
}

export abstract class RedisBackedStore implements SizedStore {
  protected readonly stats: StoreCounters = emptyCounters();
  protected readonly route: RedisRoute;
  /** Encoded size of every session saved: record with `stored`. */
  private readonly sizes = new SessionSizes();
  protected readonly prefix: string;

  constructor(
    ctx: StoreContext,
    protected readonly opts: RedisBackedOptions,
    backend: string,
  ) {
    if (!ctx.redis) throw new Error(`the ${backend} backend needs a Redis target`);
    this.route = new RedisRoute(ctx.redis, opts, this.stats);
    this.prefix = ctx.redis.keyPrefix;
  }

  /** The client a session's key goes through (its ring node, or the one client). */
  protected redisFor(id: string): GuardedRedis {
    return this.route.for(this.prefix + id);
  }

  abstract load(id: string, hint: LoadHint): Promise<Session | undefined>;
  abstract save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number>;

  /**
   * A read failed. `error`: the request fails (503). `serve-stale`: answer from the local copy when
   * there is one (the oracle then scores it intact or stale). `new-session`: carry on as if the
   * session did not exist (the user gets a fresh conversation).
   */
  protected readFailed(err: unknown, local: Session | undefined): Session | undefined {
    if (this.opts.onStoreError === 'serve-stale' && local) {
      this.stats.localHits++;
      return local;
    }
    if (this.opts.onStoreError === 'new-session') return undefined;
    throw err;
  }

  /** A write failed: `error` fails the request; the other modes answer anyway, unsaved. */
  protected writeFailed(err: unknown, version: number): number {
    if (this.opts.onStoreError === 'error') throw err;
    return version;
  }

  /** Drop whatever the store keeps locally for this session. */
  protected forget(_id: string): void {}

  async touch(id: string): Promise<void> {
    if (!this.opts.slidingExpiry) return;
    this.stats.remoteWrites++;
    await this.redisFor(id).run('write', (c) =>
      c.expire(this.prefix + id, Math.max(1, Math.ceil(this.opts.ttl / 1000))),
    );
  }

  async destroy(id: string): Promise<void> {
    this.forget(id);
    this.stats.remoteWrites++;
    await this.redisFor(id).run('write', (c) => c.del(this.prefix + id));
  }

  counters(): StoreCounters {
    return { ...this.stats };
  }

  /** Count one encoded session sent to Redis: bytes written and its size. */
  protected stored(data: Buffer): void {
    this.stats.remoteWrites++;
    this.stats.bytesWritten += data.length;
    this.sizes.record(data.length);
  }

  sessionSizes(): SizeCounts | null {
    return this.sizes.counts();
  }

  async close(): Promise<void> {
    await this.route.quit();
  }
}
