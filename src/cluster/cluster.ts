/**
 * One backend's cluster: N instance processes on the backend's Redis deployment (started by the
 * run, every node behind its own fault proxy: topologies/), and for backends with peer links one
 * proxy per ordered pair of instances (so one instance can be cut off from the others). `up` starts
 * it all (undoing what started if a step fails); `down` stops it all and is safe to call twice.
 * Process faults act on it: kill, terminate, pause, resume, restart; a hash ring's membership
 * changes reach every instance through `announceRing`.
 */
import { randomBytes } from 'node:crypto';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { BackendDefinition, RedisTarget, RingNode } from '../backends/types.js';
import { type Instance, type InstanceStats, startInstances } from './instances.js';
import type { Deployment } from './topologies/types.js';
import { type FaultLink, ProxyHost } from '../faults/proxy-host.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';
import type { InstanceConfig } from '../service/messages.js';

/** What a cluster is built from. */
export interface ClusterOptions {
  scenario: Scenario;
  spec: BackendSpec;
  def: BackendDefinition;
  /** The backend's Redis deployment, for a backend that uses Redis. */
  redis: Deployment | undefined;
  /** Names this run's keys in Redis (with --redis-url, other runs may share the server). */
  runId: string;
  seed: number;
  /** Put a fault proxy on the driver's link to each instance (the scenario names a client-link fault). */
  clientLinks?: boolean;
  /**
   * The proxy thread to put the peer links in: the one the deployment's links run in, so one thread
   * relays the whole backend's traffic. Absent: the cluster starts (and stops) its own.
   */
  proxies?: ProxyHost;
}

export class Cluster {
  /** The backend's Redis deployment, when it uses Redis. */
  redis: Deployment | undefined;
  /** Peer link proxies: key `${from}->${to}`. */
  readonly peerProxies = new Map<string, FaultLink>();
  /** The driver's links to the instances, by instance; empty unless a client-link fault needs them. */
  readonly clientProxies: FaultLink[] = [];
  instances: Instance[] = [];
  private configs: InstanceConfig[] = [];
  private stopped = false;
  /** Every proxy of this cluster runs in this host's thread, off the driver's event loop. */
  private readonly proxies: ProxyHost;
  /** Whether `down` ends the proxy thread (the cluster started it). */
  private readonly ownsProxies: boolean;

  private constructor(
    readonly keyPrefix: string,
    seed: number,
    proxies: ProxyHost | undefined,
  ) {
    this.ownsProxies = !proxies;
    this.proxies = proxies ?? new ProxyHost(seed);
  }

  static async up({ scenario, spec, def, redis, runId, seed, clientLinks, proxies }: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(`sessbench:${runId}:${spec.label}:`, seed, proxies);
    try {
      let redisTarget: RedisTarget | undefined;
      if (def.usesRedis) {
        if (!redis) throw new Error(`backend ${spec.label} needs Redis`);
        cluster.redis = redis;
        redisTarget = redis.target(cluster.keyPrefix);
      }
      const secret = randomBytes(32).toString('hex');
      const { instances: count, service } = scenario.cluster;
      cluster.configs = Array.from({ length: count }, (_, index) => ({
        index,
        count,
        backend: spec.backend,
        options: spec.options,
        ...(redisTarget ? { redis: redisTarget } : {}),
        secret,
        historyTurns: service.historyTurns,
        replyBytes: service.replyBytes,
        language: scenario.load.conversation.language,
        maxBodyBytes: service.maxBodyBytes,
        prefillMsPerKB: service.stream?.prefillPerKB ?? 0,
      }));
      cluster.instances = await startInstances(cluster.configs);
      // A restarted instance takes the same ports again, so proxies and the driver keep working.
      for (const inst of cluster.instances)
        Object.assign(cluster.configs[inst.index]!, { port: inst.port, peerPort: inst.peerPort });
      await cluster.linkPeers();
      if (clientLinks) await cluster.linkClients();
      return cluster;
    } catch (err) {
      await cluster.down();
      throw err;
    }
  }

  private async linkPeers(): Promise<void> {
    for (const from of this.instances) {
      for (const to of this.instances) {
        if (from === to || to.peerPort === undefined) continue;
        const proxy = await this.proxies.create(`peer-${from.index}->${to.index}`, {
          host: '127.0.0.1',
          port: to.peerPort,
        });
        this.peerProxies.set(`${from.index}->${to.index}`, proxy);
      }
    }
    for (const inst of this.instances) this.sendPeers(inst);
  }

  /** A proxy in front of each instance, for the driver's links (client-link faults). */
  private async linkClients(): Promise<void> {
    for (const inst of this.instances)
      this.clientProxies.push(
        await this.proxies.create(`clients-${inst.index}`, { host: '127.0.0.1', port: inst.port }),
      );
  }

  /** Tell an instance where its peers are (each through its own proxy). */
  private sendPeers(inst: Instance): void {
    const peers = [];
    for (const [key, proxy] of this.peerProxies) {
      const [from, to] = key.split('->').map(Number);
      if (from === inst.index) peers.push({ index: to!, host: '127.0.0.1', port: proxy.port });
    }
    if (peers.length) inst.send({ type: 'peers', peers });
  }

  /** How busy the proxy thread was (since `since`, when given). */
  proxyUtilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.proxies.utilization(since);
  }

  /** The peer-link proxies to and from instance `index`. */
  peerProxiesOf(index: number): FaultLink[] {
    return [...this.peerProxies].filter(([key]) => key.split('->').map(Number).includes(index)).map(([, p]) => p);
  }

  /** Where the driver reaches each instance: directly, or through its client-link proxy. */
  get targets(): { host: string; port: number }[] {
    return this.instances.map((i) => ({ host: '127.0.0.1', port: this.clientProxies[i.index]?.port ?? i.port }));
  }

  /** Start instance `index` again (after a kill or stop), on its old ports. */
  async restart(index: number): Promise<void> {
    if (this.stopped) return;
    await this.instances[index]!.exited();
    const [fresh] = await startInstances([this.configs[index]!]);
    this.instances[index] = fresh!;
    this.sendPeers(fresh!);
  }

  /**
   * A hash ring's new membership: every running instance switches to it (resolves once all have),
   * and an instance started later gets it too.
   */
  async announceRing(nodes: RingNode[]): Promise<void> {
    for (const cfg of this.configs) if (cfg.redis?.kind === 'ring') cfg.redis = { ...cfg.redis, nodes };
    await Promise.all(
      this.instances
        .filter((i) => i.alive)
        .map(async (inst) => {
          // A paused instance answers when it resumes; the message waits for it meanwhile.
          const ok = inst.waitFor('ring-ok', 5000).catch(() => {});
          inst.send({ type: 'ring', nodes });
          await ok;
        }),
    );
  }

  stats(): Promise<(InstanceStats | undefined)[]> {
    return Promise.all(this.instances.map((i) => i.stats()));
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.instances.map((i) => i.stop()));
    if (this.ownsProxies) await this.proxies.close();
    else await Promise.all([...this.peerProxies.values(), ...this.clientProxies].map((p) => p.close()));
  }
}
