/**
 * A real redis-server for a test file, spawned by sessbench's own lifecycle code on a free
 * loopback port (never a server someone else started), and stopped after the file's tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { RedisServer } from '../../src/cluster/redis.js';

export function useRedis(): { get: () => RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await RedisServer.start({});
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get: () => {
      if (!server) throw new Error('redis-server is not started');
      return server;
    },
  };
}
