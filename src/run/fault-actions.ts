/**
 * Carries out a fault plan on one backend's cluster: toxics on the Redis or peer-link proxies,
 * signals to instance processes and Redis nodes, a Redis restart, and the Redis deployment's own
 * changes (failover, reshard, ring membership). The balancer (the driver's router) learns that an
 * instance died or came back only after `detectAfterMs`, like a health-checked load balancer.
 * A fault whose target this backend does not have (Redis for `memory`, peer links for `redis`, a
 * node index its deployment lacks, a reshard on a ring) does nothing.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { RedisNode } from '../cluster/redis-node.js';
import type { RedisServer } from '../cluster/redis.js';
import type { Deployment, RedisSelector } from '../cluster/topologies/types.js';
import type { Router } from '../driver/routing.js';
import type { FaultTarget, PlannedFault } from '../faults/plan.js';
import type { FaultLink } from '../faults/proxy-host.js';
import type { FaultActions } from '../faults/timeline.js';

/** The Redis link or node a target names, in the deployment's terms. */
function selector(target: FaultTarget): RedisSelector | undefined {
  switch (target.kind) {
    case 'redis':
      return { kind: 'all' };
    case 'redis-pubsub':
      return { kind: 'pubsub' };
    case 'redis-node':
      return { kind: 'node', index: target.index, replica: target.replica };
    default:
      return undefined;
  }
}

export class ClusterFaults implements FaultActions {
  private readonly toxics = new Map<number, { proxy: FaultLink; id: number }[]>();
  private readonly detection = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly cluster: Cluster,
    /** The run's own server, restarted by `restart: true` on `redis` (a single-server backend only). */
    private readonly server: RedisServer | undefined,
    private readonly router: Router,
    private readonly detectAfterMs: number,
  ) {}

  private get deployment(): Deployment | undefined {
    return this.cluster.redis;
  }

  private proxies(target: FaultTarget): FaultLink[] {
    if (target.kind === 'peers') return this.cluster.peerProxiesOf(target.index);
    if (target.kind === 'clients')
      return target.index === null
        ? this.cluster.clientProxies
        : this.cluster.clientProxies.slice(target.index, target.index + 1);
    const sel = selector(target);
    return sel && this.deployment ? this.deployment.links(sel) : [];
  }

  /** The Redis node process a target names in this backend's deployment, if it has one. */
  private node(target: FaultTarget): RedisNode | undefined {
    const sel = selector(target);
    return sel && this.deployment?.process(sel);
  }

  /** Whether this backend has anything the fault targets (Redis, peer links, an instance). */
  affects(f: PlannedFault): boolean {
    const a = f.action;
    const t = f.resolvedTarget;
    const d = this.deployment;
    if (a.kind === 'toxic') return this.proxies(t).length > 0;
    if (t.kind === 'redis') return a.kind === 'restart' ? d?.kind === 'single' : d?.addNode !== undefined;
    if (t.kind !== 'redis-node') return true;
    if (!this.node(t)) return false;
    if (a.kind === 'failover') return d!.failover !== undefined;
    if (a.kind === 'reshard') return d!.reshard !== undefined;
    if (a.kind === 'remove-node') return d!.removeNode !== undefined;
    return true;
  }

  /** Tell the balancer after the detection delay; a newer change replaces a pending one. */
  private notice(index: number, alive: boolean): void {
    clearTimeout(this.detection.get(index));
    this.detection.set(
      index,
      setTimeout(() => this.router.setAlive(index, alive), this.detectAfterMs),
    );
  }

  private instance(target: FaultTarget) {
    if (target.kind !== 'instance') throw new Error('not an instance fault');
    return { index: target.index, inst: this.cluster.instances[target.index]! };
  }

  async start(f: PlannedFault): Promise<void> {
    const a = f.action;
    const t = f.resolvedTarget;
    const d = this.deployment;
    switch (a.kind) {
      case 'toxic':
        this.toxics.set(
          f.index,
          await Promise.all(this.proxies(t).map(async (proxy) => ({ proxy, id: await proxy.addToxic(a.toxic) }))),
        );
        return;
      case 'kill': {
        if (t.kind === 'redis-node') {
          const node = this.node(t);
          if (node) await d!.kill(node);
          return;
        }
        const { index, inst } = this.instance(t);
        inst.signal('SIGKILL');
        await inst.exited();
        this.notice(index, false);
        return;
      }
      case 'stop': {
        const { index, inst } = this.instance(t);
        // A stopping instance refuses new connections at once; the balancer notices later.
        this.notice(index, false);
        await inst.terminate(a.graceMs);
        return;
      }
      case 'pause': {
        if (t.kind === 'redis-node') {
          this.node(t)?.signal('SIGSTOP');
          return;
        }
        const { index, inst } = this.instance(t);
        inst.signal('SIGSTOP');
        this.notice(index, false);
        return;
      }
      case 'restart': {
        if (t.kind === 'redis-node') {
          const node = this.node(t);
          if (node) await d!.restart(node);
        } else if (d?.kind === 'single') await this.server?.restart();
        return;
      }
      default:
        return this.topologyChange(f);
    }
  }

  /** failover, reshard, remove-node, add-node: on a deployment that has them and the node named. */
  private async topologyChange(f: PlannedFault): Promise<void> {
    const a = f.action;
    const t = f.resolvedTarget;
    const d = this.deployment;
    if (!d) return;
    const index = t.kind === 'redis-node' ? t.index : -1;
    if (t.kind === 'redis-node' && !this.node(t)) return;
    const fault = { name: f.name };
    if (a.kind === 'failover') await d.failover?.(index, fault);
    else if (a.kind === 'reshard') await d.reshard?.(index, a.share, fault);
    else if (a.kind === 'remove-node') await d.removeNode?.(index, fault);
    else if (a.kind === 'add-node') await d.addNode?.(fault);
  }

  async end(f: PlannedFault): Promise<void> {
    const a = f.action;
    const t = f.resolvedTarget;
    switch (a.kind) {
      case 'toxic':
        await Promise.all((this.toxics.get(f.index) ?? []).map(({ proxy, id }) => proxy.removeToxic(id)));
        this.toxics.delete(f.index);
        return;
      case 'kill':
      case 'stop':
      case 'failover': {
        if (a.restartAfterMs === null) return;
        if (t.kind === 'redis-node') {
          const node = this.node(t);
          if (node && !node.alive) await this.deployment!.restart(node);
          return;
        }
        const { index } = this.instance(t);
        await this.cluster.restart(index);
        this.notice(index, true);
        return;
      }
      case 'pause': {
        if (t.kind === 'redis-node') {
          this.node(t)?.signal('SIGCONT');
          return;
        }
        const { index, inst } = this.instance(t);
        inst.signal('SIGCONT');
        this.notice(index, true);
        return;
      }
      default:
        return;
    }
  }

  /** Cancel pending balancer notices. */
  dispose(): void {
    for (const t of this.detection.values()) clearTimeout(t);
    this.detection.clear();
  }
}
