/**
 * Two-tier versioned cache (docs/architecture.md, "Backends"): a bounded local copy in front of
 * Redis. The session version travels in an HMAC-signed cookie; an instance reads Redis only when
 * its cached copy is older than the cookie says. Writes are a compare-and-set in Redis (a Lua
 * script), so two writers based on the same version can't silently overwrite each other: the
 * second gets a ConflictError.
 *
 * Stored as a hash { v: version, d: encoded session }. A missing key is re-seeded from the writer's
 * copy: that is how the local tier carries sessions across a Redis restart.
 */
import type * as z from 'zod';
import { decodeSession, encodeSession } from './codec.js';
import { Lru } from './lru.js';
import { encodingOptions, keyOptions, onStoreError, redisClientOptions } from './options.js';
import { RedisBackedStore } from './redis-backed.js';
import type { RedisClient } from './redis-client.js';
import { int } from '../util/fields.js';
import {
  type BackendDefinition,
  ConflictError,
  type LoadHint,
  type Session,
  type StoreContext,
  type TurnRecord,
} from './types.js';

const options = {
  ...redisClientOptions,
  ...encodingOptions,
  ...keyOptions,
  onStoreError: onStoreError(['error', 'serve-stale', 'new-session']),
  localCapacity: int(1).default(10_000).describe('Sessions each instance caches locally (LRU).'),
};
type Options = z.output<z.ZodObject<typeof options>>;

// KEYS[1] session key; ARGV: base version, new version, encoded session, ttl ms (0 keeps the TTL).
// Returns {1, new version} when stored, {0, stored version} on conflict.
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and cur ~= ARGV[1] then return {0, tonumber(cur)} end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, tonumber(ARGV[2])}
`;

type CasRedis = RedisClient & {
  sessionCas(key: string, base: number, next: number, data: Buffer, ttlMs: number): Promise<[number, number]>;
};

export class TwoTierStore extends RedisBackedStore {
  private readonly local: Lru<Session>;

  constructor(
    ctx: StoreContext,
    protected override readonly opts: Options,
  ) {
    super(ctx, opts, 'two-tier');
    for (const c of this.route.all()) c.client.defineCommand('sessionCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.local = new Lru(opts.localCapacity);
  }

  async load(id: string, hint: LoadHint): Promise<Session | undefined> {
    const cached = hint.forceRemote ? undefined : this.local.get(id);
    if (cached && hint.cookieVersion !== undefined && cached.version >= hint.cookieVersion) {
      this.stats.localHits++;
      return cached;
    }
    this.stats.remoteReads++;
    let data: Buffer | null | undefined;
    try {
      [, data] = await this.redisFor(id).run('read', (c) => c.hmgetBuffer(this.prefix + id, 'v', 'd'));
    } catch (err) {
      return this.readFailed(err, cached ?? this.local.get(id));
    }
    if (!data) return undefined;
    this.stats.bytesRead += data.length;
    const session = decodeSession(data);
    this.local.set(id, session);
    return session;
  }

  async save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number> {
    const session: Session = { version: baseVersion + 1, turns };
    const data = encodeSession(session, this.opts);
    const ttl = this.opts.slidingExpiry || baseVersion === 0 ? this.opts.ttl : 0;
    this.stored(data);
    let stored: number;
    let version: number;
    try {
      [stored, version] = await this.redisFor(id).run('write', (c) =>
        (c as CasRedis).sessionCas(this.prefix + id, baseVersion, session.version, data, ttl),
      );
    } catch (err) {
      // Answering anyway keeps the local copy current, so this instance serves what it answered.
      const v = this.writeFailed(err, session.version);
      this.local.set(id, session);
      return v;
    }
    if (stored !== 1) {
      this.stats.conflicts++;
      this.local.delete(id);
      throw new ConflictError(version);
    }
    this.local.set(id, session);
    return session.version;
  }

  protected override forget(id: string): void {
    this.local.delete(id);
  }

  override async close(): Promise<void> {
    this.local.clear();
    await super.close();
  }
}

export const twoTierBackend = {
  name: 'two-tier',
  description:
    'Local LRU cache in front of Redis; a signed version cookie says when the local copy is stale; CAS writes.',
  routing: 'any',
  usesRedis: true,
  versionCookie: true,
  options,
  create: (ctx, opts) => new TwoTierStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
