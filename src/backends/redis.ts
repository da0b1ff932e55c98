/**
 * Central Redis: every load is a GET, every save a SET with the TTL (which also slides the expiry).
 * In write-behind mode a save returns at once and the value is flushed in the background in one
 * pipeline per node; a load on the same instance sees its own pending writes. The same store runs
 * on a Redis Cluster, behind Sentinel or over a hash ring (redis-cluster, redis-sentinel, hash-ring):
 * only the client it is given differs.
 */
import * as z from 'zod';
import { decodeSession, encodeSession } from './codec.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import { type RedisBackedOptions, RedisBackedStore } from './redis-backed.js';
import type { GuardedRedis, RedisClient } from './redis-client.js';
import type { BackendDefinition, LoadHint, Session, StoreContext, TurnRecord } from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'new-session']),
  writeMode: z
    .enum(['sync', 'write-behind'])
    .default('sync')
    .describe('sync: reply after Redis stored the session; write-behind: reply first.'),
};
/** What RedisStore reads of its options; backends without write-behind leave `writeMode` out. */
export type RedisStoreOptions = RedisBackedOptions & { writeMode?: 'sync' | 'write-behind' };

/** Write-behind entries waiting for a flush are bounded: past this a save waits for the flush. */
const MAX_PENDING = 10_000;

export class RedisStore extends RedisBackedStore {
  private readonly pending = new Map<string, { session: Session; data: Buffer }>();
  private flushing: Promise<void> | undefined;

  constructor(
    ctx: StoreContext,
    protected override readonly opts: RedisStoreOptions,
    backend = 'redis',
  ) {
    super(ctx, opts, backend);
  }

  async load(id: string, _hint: LoadHint): Promise<Session | undefined> {
    const own = this.pending.get(id);
    if (own) {
      this.stats.localHits++;
      return own.session;
    }
    this.stats.remoteReads++;
    let buf: Buffer | null;
    try {
      buf = await this.redisFor(id).run('read', (c) => c.getBuffer(this.prefix + id));
    } catch (err) {
      return this.readFailed(err, undefined);
    }
    if (!buf) return undefined;
    this.stats.bytesRead += buf.length;
    return decodeSession(buf);
  }

  async save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number> {
    const session = { version: baseVersion + 1, turns };
    const data = encodeSession(session, this.opts);
    if (this.opts.writeMode === 'write-behind') {
      this.pending.set(id, { session, data });
      const flush = this.scheduleFlush();
      if (this.pending.size > MAX_PENDING) await flush;
      return session.version;
    }
    this.stored(data);
    try {
      await this.redisFor(id).run('write', (c) => this.setCommand(c, id, data, baseVersion));
    } catch (err) {
      return this.writeFailed(err, session.version);
    }
    return session.version;
  }

  /** SET with a fresh TTL for a new session or with sliding expiry, else keeping the one it has. */
  protected setCommand(c: RedisClient, id: string, data: Buffer, baseVersion: number): Promise<unknown> {
    return this.opts.slidingExpiry || baseVersion === 0
      ? c.set(this.prefix + id, data, 'PX', this.opts.ttl)
      : c.set(this.prefix + id, data, 'KEEPTTL');
  }

  private scheduleFlush(): Promise<void> {
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = [...this.pending];
      this.pending.clear();
      this.flushing = undefined;
      const pipelines = new Map<GuardedRedis, ReturnType<RedisClient['pipeline']>>();
      for (const [id, { data }] of batch) {
        const g = this.redisFor(id);
        const pipeline = pipelines.get(g) ?? g.client.pipeline();
        pipelines.set(g, pipeline);
        // Write-behind batches always renew the TTL: a pending write is the session's latest use.
        pipeline.set(this.prefix + id, data, 'PX', this.opts.ttl);
        this.stored(data);
      }
      // A failed background write is lost by design of write-behind: counted, never thrown.
      await Promise.all([...pipelines].map(([g, p]) => g.run('write', () => p.exec()).catch(() => {})));
    });
    return this.flushing;
  }

  protected override forget(id: string): void {
    this.pending.delete(id);
  }

  override async close(): Promise<void> {
    if (this.pending.size > 0) await this.scheduleFlush();
    await super.close();
  }
}

export const redisBackend = {
  name: 'redis',
  description: 'Central Redis: GET on every turn, SET with a sliding TTL; survives instance crashes.',
  routing: 'any',
  usesRedis: true,
  versionCookie: false,
  options,
  create: (ctx, opts) => new RedisStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
