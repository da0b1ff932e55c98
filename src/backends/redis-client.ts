/**
 * The ioredis clients every Redis-backed store uses, configured so that a Redis outage becomes
 * errors rather than an endless hang: a per-command timeout, one retry per request, and a bounded
 * offline queue (ioredis' own queue has no bound, so the store counts what it queued itself).
 *
 * One client per target: a plain connection (one server, or twemproxy), ioredis' cluster client
 * (nodes' announced addresses mapped to their fault proxies), or a Sentinel-following client; a
 * client-side ring holds one client per node (`RedisRoute`).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { messageOf } from '../errors.js';
import type { StoreCounters } from '../results/schema.js';
import { KetamaRing } from '../util/ketama.js';
import { type ClusterTarget, type RedisTarget, type RingNode, type RingTarget, StoreError } from './types.js';

export interface RedisClientOptions {
  commandTimeout: number;
  connectTimeout: number;
  maxOfflineQueue: number;
}

export type RedisClient = Redis | Cluster;

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms ${what}`)), ms);
  });
  p.catch(() => {});
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Connection settings shared by every kind of client. */
function connectionOptions(opts: RedisClientOptions): RedisOptions {
  return {
    commandTimeout: opts.commandTimeout,
    connectTimeout: opts.connectTimeout,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    // No CLIENT SETINFO on connect: twemproxy closes a connection that sends CLIENT, and Redis 7.0
    // counts it as a failed command.
    disableClientInfo: true,
  };
}

// Reconnect quickly but not in a tight loop while Redis is away.
const retry = (times: number) => Math.min(50 * times, 500);

/**
 * Lead MOVED and ASK replies through the natMap as well. ioredis maps the addresses CLUSTER SLOTS
 * names, but keeps the address a MOVED reply names unmapped as the slot's node while its
 * connection is keyed by the mapped address: it then finds no connection for the slot, sends the
 * command to a random node, gets MOVED again, and gives up after maxRedirections. Rewriting the
 * reply's address before ioredis reads it keeps the slot map and the connections in one address space.
 */
function mapRedirects(cluster: Cluster, natMap: ClusterTarget['natMap']): Cluster {
  const inner = cluster as unknown as { handleError(error: Error, ...rest: unknown[]): unknown };
  const handleError = inner.handleError.bind(cluster);
  inner.handleError = (error: Error, ...rest: unknown[]) => {
    const m = /^(MOVED|ASK) (\d+) (\S+)$/.exec(error.message);
    const to = m ? natMap[m[3]!] : undefined;
    if (to) error.message = `${m![1]} ${m![2]} ${to.host}:${to.port}`;
    return handleError(error, ...rest);
  };
  return cluster;
}

/**
 * A client for one target (not a ring: that is one client per node). `resend`: after a reconnect,
 * send again the commands that had no reply; a ring node's client must not, since the key may
 * belong to another node by then.
 */
export function createClient(
  target: Exclude<RedisTarget, RingTarget>,
  opts: RedisClientOptions,
  resend = true,
): RedisClient {
  const base = connectionOptions(opts);
  switch (target.kind) {
    case 'cluster':
      return mapRedirects(
        new Cluster(target.nodes, {
          natMap: target.natMap,
          redisOptions: base,
          enableOfflineQueue: true,
          clusterRetryStrategy: retry,
          // A dead master: refresh the slot map soon and often until its replica has taken over.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 50,
          slotsRefreshTimeout: opts.connectTimeout,
          slotsRefreshInterval: 1000,
        }),
        target.natMap,
      );
    case 'sentinel':
      return new Redis({
        ...base,
        sentinels: target.sentinels,
        name: target.name,
        natMap: target.natMap,
        // Sentinels announce their real addresses: keep using the proxied ones.
        updateSentinels: false,
        sentinelRetryStrategy: retry,
        sentinelCommandTimeout: opts.commandTimeout,
        retryStrategy: retry,
      });
    default:
      return new Redis({
        ...base,
        host: target.host,
        port: target.port,
        retryStrategy: retry,
        enableReadyCheck: !target.twemproxy,
        autoResendUnfulfilledCommands: resend,
      });
  }
}

export class GuardedRedis {
  private offline = 0;
  /** A cluster or Sentinel client may retry past the command timeout: bound every command. */
  private readonly alwaysBound: boolean;

  constructor(
    readonly client: RedisClient,
    private readonly opts: RedisClientOptions,
    private readonly stats: StoreCounters,
  ) {
    this.alwaysBound = client instanceof Cluster || Boolean(client.options.sentinels?.length);
    // Connection errors surface through the commands that fail; an unhandled 'error' event would
    // end the instance process.
    client.on('error', () => {});
  }

  /**
   * Run one Redis operation. Fails at once when Redis is not connected and the offline queue is
   * full; every failure becomes a StoreError of the given phase and is counted.
   */
  async run<T>(phase: 'read' | 'write', op: (c: RedisClient) => Promise<T>): Promise<T> {
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
      return queued || this.alwaysBound
        ? await withDeadline(op(this.client), this.opts.commandTimeout, queued ? 'while reconnecting' : '')
        : await op(this.client);
    } catch (err) {
      this.stats.errors++;
      throw new StoreError(phase, `redis ${phase} failed: ${messageOf(err)}`);
    } finally {
      if (queued) this.offline--;
    }
  }

  async quit(): Promise<void> {
    try {
      await withDeadline(this.client.quit(), 1000, 'to QUIT');
    } catch {
      this.client.disconnect();
    }
  }
}

/**
 * The guarded client a key goes through: the one client of a target, or for a client-side ring
 * the client of the node that owns the key (twemproxy's ketama layout, so both agree).
 */
export class RedisRoute {
  private readonly clients = new Map<string, GuardedRedis>();
  private ring: KetamaRing | undefined;
  private readonly single: GuardedRedis | undefined;

  constructor(
    private readonly target: RedisTarget,
    private readonly opts: RedisClientOptions,
    private readonly stats: StoreCounters,
  ) {
    if (target.kind === 'ring') this.setRing(target.nodes);
    else this.single = new GuardedRedis(createClient(target, opts), opts, stats);
  }

  /** The client for this key. */
  for(key: string): GuardedRedis {
    if (this.single) return this.single;
    const name = this.ring!.owner(key);
    const client = name === undefined ? undefined : this.clients.get(name);
    if (!client) throw new StoreError('read', 'the hash ring has no node');
    return client;
  }

  /** Every client (one per ring node). */
  all(): GuardedRedis[] {
    return this.single ? [this.single] : [...this.clients.values()];
  }

  /** Follow a ring membership change: connect new nodes, drop removed ones. */
  setRing(nodes: readonly RingNode[]): void {
    if (this.target.kind !== 'ring') throw new Error('not a hash-ring target');
    const names = new Set(nodes.map((n) => n.name));
    for (const [name, c] of this.clients) {
      if (!names.has(name)) {
        this.clients.delete(name);
        void c.quit();
      }
    }
    for (const n of nodes) {
      if (!this.clients.has(n.name))
        this.clients.set(
          n.name,
          new GuardedRedis(createClient({ ...n, keyPrefix: '' }, this.opts, false), this.opts, this.stats),
        );
    }
    this.ring = new KetamaRing(
      nodes.map((n) => n.name),
      this.target.vnodes,
    );
  }

  async quit(): Promise<void> {
    await Promise.all(this.all().map((c) => c.quit()));
  }
}
