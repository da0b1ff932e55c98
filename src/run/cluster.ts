/**
 * One backend's cluster: a fault proxy in front of Redis, N instance processes, and for backends
 * with peer links a proxy in front of each instance's peer port. `up` starts it all (undoing what
 * started if a step fails); `down` stops it all and is safe to call twice.
 */
import { randomBytes } from 'node:crypto';
import { getBackend } from '../backends/registry.js';
import type { RedisTarget } from '../backends/types.js';
import type { RedisServer } from '../cluster/redis.js';
import { type Instance, type InstanceStats, startInstances } from '../cluster/instances.js';
import { TcpProxy } from '../faults/proxy.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';

export class Cluster {
  readonly proxies: TcpProxy[] = [];
  instances: Instance[] = [];
  private stopped = false;

  private constructor(readonly keyPrefix: string) {}

  static async up(scenario: Scenario, spec: BackendSpec, redis: RedisServer | undefined, runId: string): Promise<Cluster> {
    const def = getBackend(spec.backend)!;
    const cluster = new Cluster(`sessbench:${runId}:${spec.label}:`);
    try {
      let redisTarget: RedisTarget | undefined;
      if (def.usesRedis) {
        if (!redis) throw new Error(`backend ${spec.label} needs Redis`);
        const proxy = new TcpProxy('redis', { host: redis.host, port: redis.port });
        cluster.proxies.push(proxy);
        redisTarget = { ...(await proxy.listen()), keyPrefix: cluster.keyPrefix };
      }
      const secret = randomBytes(32).toString('hex');
      const { instances: count, service } = scenario.cluster;
      cluster.instances = await startInstances(
        Array.from({ length: count }, (_, index) => ({
          index,
          count,
          backend: spec.backend,
          options: spec.options,
          ...(redisTarget ? { redis: redisTarget } : {}),
          secret,
          historyTurns: service.historyTurns,
          replyBytes: service.replyBytes,
          maxBodyBytes: service.maxBodyBytes,
        })),
      );
      const peers = [];
      for (const inst of cluster.instances) {
        if (inst.peerPort === undefined) continue;
        const proxy = new TcpProxy(`peer-${inst.index}`, { host: '127.0.0.1', port: inst.peerPort });
        cluster.proxies.push(proxy);
        peers.push({ index: inst.index, ...(await proxy.listen()) });
      }
      if (peers.length) for (const inst of cluster.instances) inst.send({ type: 'peers', peers });
      return cluster;
    } catch (err) {
      await cluster.down();
      throw err;
    }
  }

  get targets(): { host: string; port: number }[] {
    return this.instances.map((i) => ({ host: '127.0.0.1', port: i.port }));
  }

  stats(): Promise<(InstanceStats | undefined)[]> {
    return Promise.all(this.instances.map((i) => i.stats()));
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.instances.map((i) => i.stop()));
    await Promise.all(this.proxies.map((p) => p.close()));
  }
}
