/**
 * Option schemas shared by several backends. Each backend file declares its own option schema;
 * the Redis client settings are common to every Redis-backed backend, so they live here.
 */
import * as z from 'zod';
import { bytes, durationMs, int } from '../util/fields.js';

/** Settings of the ioredis client every Redis-backed store uses. */
export const redisClientOptions = {
  /** Per-command timeout: a stalled Redis becomes an error after this long, not a hang. */
  commandTimeout: durationMs()
    .prefault('1s')
    .describe('A command with no reply after this long fails (ioredis commandTimeout).'),
  connectTimeout: durationMs().prefault('1s').describe('How long a connection attempt may take.'),
  maxOfflineQueue: int(0)
    .default(100)
    .describe('Commands held while Redis is unreachable; past this they fail at once instead of queueing.'),
};

/** What a Redis-backed store does when Redis fails; `serve-stale` needs a local copy (two-tier). */
export const onStoreError = (modes: readonly ['error', ...('serve-stale' | 'new-session')[]]) =>
  z
    .enum(modes as unknown as ['error', ...('serve-stale' | 'new-session')[]])
    .default('error')
    .describe(
      'On a Redis failure: error (503), serve-stale (answer from the local copy), new-session (answer without the ' +
        'history).',
    );

/** How a Redis-backed store encodes a session. */
export const encodingOptions = {
  codec: z.enum(['json', 'msgpack']).default('json').describe('Serialization of a session.'),
  compress: z
    .enum(['none', 'gzip', 'brotli'])
    .default('none')
    .describe('Compression of encoded sessions above compressAbove.'),
  compressAbove: bytes().prefault('1KB').describe('Encoded sessions larger than this are compressed.'),
};

/** Key layout and expiry of a Redis-backed store. */
export const keyOptions = {
  ttl: durationMs().prefault('30m').describe('Session lifetime in Redis.'),
  slidingExpiry: z.boolean().default(true).describe('Every read or write of a session renews its TTL.'),
};

/** Options common to the in-process (memory-only) stores. */
export const localOptions = {
  capacity: int(1)
    .default(100_000)
    .describe('Sessions an instance keeps; the least recently used are dropped beyond this.'),
};
