/**
 * Near cache: a local LRU in each instance in front of Redis, kept fresh by publish/subscribe
 * invalidations. A load is answered from the local copy when there is one, and reads Redis only on
 * a local miss; a save writes Redis and publishes the session id in the same round trip, and every
 * other instance drops its copy when the message arrives. Its failure mode is the window in which
 * an invalidation is in flight (delayed on its link) or lost (the subscriber's connection dropped):
 * another instance answers from its old copy, a stale turn. After the subscriber reconnects, the
 * local cache is cleared, since messages sent meanwhile are gone. Two-tier's version cookie is the
 * contrast: it never trusts a copy older than the cookie says.
 *
 * The subscriber connection runs over a link of its own (`redis.pubsub` in fault targets), so a
 * toxic can delay invalidations alone.
 */
import { Redis } from 'ioredis';
import type * as z from 'zod';
import { int } from '../util/fields.js';
import { decodeSession, encodeSession } from './codec.js';
import { Lru } from './lru.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import { RedisBackedStore } from './redis-backed.js';
import type { BackendDefinition, LoadHint, Session, StoreContext, TurnRecord } from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'new-session']),
  localCapacity: int(1).default(10_000).describe('Sessions each instance caches locally (LRU).'),
};
type Options = z.output<z.ZodObject<typeof options>>;

export class NearCacheStore extends RedisBackedStore {
  private readonly local: Lru<Session>;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly origin: string;
  private subscribedOnce = false;

  constructor(
    ctx: StoreContext,
    protected override readonly opts: Options,
  ) {
    super(ctx, opts, 'near-cache');
    const target = ctx.redis!;
    if (target.kind !== undefined && target.kind !== 'single') throw new Error('near-cache runs on a single Redis');
    const link = target.pubsub ?? target;
    this.local = new Lru(opts.localCapacity);
    this.channel = `${this.prefix}invalidate`;
    this.origin = `${ctx.instanceIndex}:`;
    this.subscriber = new Redis({
      host: link.host,
      port: link.port,
      connectTimeout: opts.connectTimeout,
      retryStrategy: (times: number) => Math.min(50 * times, 500),
    });
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (_channel: string, message: string) => this.invalidated(message));
    // ioredis subscribes again after a reconnect; what was published meanwhile is gone, so no
    // local copy can be trusted any more.
    this.subscriber.on('ready', () => {
      if (this.subscribedOnce) this.local.clear();
      this.subscribedOnce = true;
    });
    void this.subscriber.subscribe(this.channel).catch(() => {});
  }

  private invalidated(message: string): void {
    if (message.startsWith(this.origin)) return;
    this.local.delete(message.slice(message.indexOf(':') + 1));
  }

  async load(id: string, _hint: LoadHint): Promise<Session | undefined> {
    const cached = this.local.get(id);
    if (cached) {
      this.stats.localHits++;
      return cached;
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
    const session = decodeSession(buf);
    this.local.set(id, session);
    return session;
  }

  async save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number> {
    const session: Session = { version: baseVersion + 1, turns };
    const data = encodeSession(session, this.opts);
    this.stored(data);
    const key = this.prefix + id;
    try {
      await this.redisFor(id).run('write', async (c) => {
        const p = c.pipeline();
        if (this.opts.slidingExpiry || baseVersion === 0) p.set(key, data, 'PX', this.opts.ttl);
        else p.set(key, data, 'KEEPTTL');
        p.publish(this.channel, this.origin + id);
        for (const [err] of (await p.exec()) ?? []) if (err) throw err;
      });
    } catch (err) {
      this.local.delete(id);
      return this.writeFailed(err, session.version);
    }
    this.local.set(id, session);
    return session.version;
  }

  protected override forget(id: string): void {
    this.local.delete(id);
  }

  override async close(): Promise<void> {
    this.local.clear();
    this.subscriber.disconnect();
    await super.close();
  }
}

export const nearCacheBackend = {
  name: 'near-cache',
  description: 'Local LRU in front of Redis, kept fresh by pub/sub invalidations; reads Redis only on a local miss.',
  routing: 'any',
  usesRedis: true,
  versionCookie: false,
  options,
  redisTopology: () => ({ kind: 'single', pubsub: true }),
  create: (ctx, opts) => new NearCacheStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
