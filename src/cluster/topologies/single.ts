/**
 * One redis-server: the run's own (shared by its backends, emptied between them) or --redis-url.
 * The instances reach it through one fault proxy, and a backend with a subscriber connection
 * (near-cache) through a second one of its own (`redis.pubsub`), so its invalidations can be
 * delayed alone. A Redis restart (`restart: true` on `redis`) is the server's own.
 */
import type { SingleTarget } from '../../backends/types.js';
import type { FaultLink } from '../../faults/proxy-host.js';
import type { RedisTopologyResult } from '../../results/topology.js';
import type { RedisServer } from '../redis.js';
import type { Deployment, RedisSelector, TopologyDefinition } from './types.js';

class SingleDeployment implements Deployment {
  readonly kind = 'single';

  constructor(
    readonly server: RedisServer,
    private readonly data: FaultLink,
    private readonly pubsub: FaultLink | undefined,
  ) {}

  target(keyPrefix: string): SingleTarget {
    return {
      host: '127.0.0.1',
      port: this.data.port,
      keyPrefix,
      ...(this.pubsub ? { pubsub: { host: '127.0.0.1', port: this.pubsub.port } } : {}),
    };
  }

  links(sel: RedisSelector): FaultLink[] {
    if (sel.kind === 'pubsub') return this.pubsub ? [this.pubsub] : [];
    if (sel.kind === 'node') return sel.index === 0 && !sel.replica ? [this.data] : [];
    return this.pubsub ? [this.data, this.pubsub] : [this.data];
  }

  process(): undefined {
    return undefined;
  }

  kill(): Promise<void> {
    return Promise.reject(new Error('a single Redis is restarted with `restart: true` on `redis`'));
  }

  restart(): Promise<void> {
    return this.kill();
  }

  commandCounts() {
    return this.server.commandCounts();
  }

  async result(): Promise<RedisTopologyResult> {
    const counts = await this.server.commandCounts();
    const mem = await this.server.admin.info('memory').catch(() => '');
    const used = /^used_memory:(\d+)/m.exec(mem)?.[1];
    return {
      kind: 'single',
      shape: this.server.owned ? 'one redis-server' : 'one external server (--redis-url)',
      nodes: [
        {
          name: 'redis',
          role: 'master',
          alive: true,
          reads: counts.reads,
          writes: counts.writes,
          usedMemoryBytes: used ? Number(used) : null,
          keys: this.server.owned ? await this.server.admin.dbsize().catch(() => null) : null,
        },
      ],
      redirects: null,
      keySpread: null,
      events: [],
    };
  }

  async settle(): Promise<void> {}

  async stop(): Promise<void> {
    await Promise.all([this.data.close(), this.pubsub?.close()]);
  }
}

export const singleTopology = {
  kind: 'single',
  async start(spec, ctx) {
    if (!ctx.server) throw new Error('a single-server backend needs the run’s Redis');
    const server = ctx.server;
    const upstream = { host: server.host, port: server.port };
    const data = await ctx.proxies.create('redis', upstream);
    const pubsub = spec.pubsub ? await ctx.proxies.create('redis-pubsub', upstream) : undefined;
    return new SingleDeployment(server, data, pubsub);
  },
} satisfies TopologyDefinition<'single'>;
