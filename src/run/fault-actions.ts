/**
 * Carries out a fault plan on one backend's cluster: toxics on the Redis or peer-link proxies,
 * signals to instance processes, a Redis restart. The balancer (the driver's router) learns that an
 * instance died or came back only after `detectAfterMs`, like a health-checked load balancer.
 * A fault whose target this backend does not have (Redis for `memory`, peer links for `redis`)
 * does nothing.
 */
import type { RedisServer } from '../cluster/redis.js';
import type { Router } from '../driver/routing.js';
import type { FaultTarget, PlannedFault } from '../faults/plan.js';
import type { FaultLink } from '../faults/proxy-host.js';
import type { FaultActions } from '../faults/timeline.js';
import type { Cluster } from '../cluster/cluster.js';

export class ClusterFaults implements FaultActions {
  private readonly toxics = new Map<number, { proxy: FaultLink; id: number }[]>();
  private readonly detection = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly cluster: Cluster,
    private readonly redis: RedisServer | undefined,
    private readonly router: Router,
    private readonly detectAfterMs: number,
  ) {}

  private proxies(target: FaultTarget): FaultLink[] {
    if (target.kind === 'redis') return this.cluster.redisProxy ? [this.cluster.redisProxy] : [];
    if (target.kind === 'peers') return this.cluster.peerProxiesOf(target.index);
    if (target.kind === 'clients')
      return target.index === null
        ? this.cluster.clientProxies
        : this.cluster.clientProxies.slice(target.index, target.index + 1);
    return [];
  }

  /** Whether this backend has anything the fault targets (Redis, peer links, an instance). */
  affects(f: PlannedFault): boolean {
    const a = f.action;
    if (a.kind === 'toxic') return this.proxies(f.resolvedTarget).length > 0;
    if (a.kind === 'restart') return this.cluster.redisProxy !== undefined;
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
    switch (a.kind) {
      case 'toxic':
        this.toxics.set(
          f.index,
          await Promise.all(
            this.proxies(f.resolvedTarget).map(async (proxy) => ({ proxy, id: await proxy.addToxic(a.toxic) })),
          ),
        );
        return;
      case 'kill': {
        const { index, inst } = this.instance(f.resolvedTarget);
        inst.signal('SIGKILL');
        await inst.exited();
        this.notice(index, false);
        return;
      }
      case 'stop': {
        const { index, inst } = this.instance(f.resolvedTarget);
        // A stopping instance refuses new connections at once; the balancer notices later.
        this.notice(index, false);
        await inst.terminate(a.graceMs);
        return;
      }
      case 'pause': {
        const { index, inst } = this.instance(f.resolvedTarget);
        inst.signal('SIGSTOP');
        this.notice(index, false);
        return;
      }
      case 'restart':
        if (this.cluster.redisProxy) await this.redis!.restart();
        return;
    }
  }

  async end(f: PlannedFault): Promise<void> {
    const a = f.action;
    switch (a.kind) {
      case 'toxic':
        await Promise.all((this.toxics.get(f.index) ?? []).map(({ proxy, id }) => proxy.removeToxic(id)));
        this.toxics.delete(f.index);
        return;
      case 'kill':
      case 'stop': {
        if (a.restartAfterMs === null) return;
        const { index } = this.instance(f.resolvedTarget);
        await this.cluster.restart(index);
        this.notice(index, true);
        return;
      }
      case 'pause': {
        const { index, inst } = this.instance(f.resolvedTarget);
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
