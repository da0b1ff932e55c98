/**
 * What the multi-node deployments share: their nodes (each a redis-server behind its own fault
 * proxy), the counts each served its clients across kills and promotions, per-node results, the
 * events of the run, background work, and stopping it all.
 *
 * Redis counts what a replica executes as replication in its commandstats too, and a failover
 * (expected or not: Sentinel may redo one) turns replicas into masters and back. So every node is
 * sampled a few times a second, and what it executed between two samples counts as served to
 * clients when it was a master at the later one.
 */
import type { FaultLink, ProxyHost } from '../../faults/proxy-host.js';
import type { RedisNodeResult, TopologyEvent } from '../../results/topology.js';
import { type CommandCounts, countsOf } from '../redis.js';
import { type RedisNode, parseCommandStats } from '../redis-node.js';

export type Role = RedisNodeResult['role'];

/** One node of a deployment. */
export interface Member {
  name: string;
  node: RedisNode;
  /** The proxy the instances reach it through. */
  proxy: FaultLink;
  /** `node` for ring nodes, `sentinel` for Sentinels; masters and replicas are asked (INFO replication). */
  fixedRole?: Role;
  /** Calls per command it served clients, up to its last sample. */
  served: Record<string, number>;
  /** Its calls per command at its last sample (since its process started). */
  last: Record<string, number>;
  /** The role it had when last asked. */
  lastRole?: Role;
}

/** How often every node's counts and role are sampled. */
const SAMPLE_MS = 200;

/** The proxy in front of a node, listening. */
export function proxied(name: string, node: RedisNode, proxies: ProxyHost): Promise<FaultLink> {
  return proxies.create(name, { host: '127.0.0.1', port: node.port });
}

const add = (a: Record<string, number>, b: Record<string, number>, sign = 1) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + sign * v;
  return out;
};

export class Members {
  readonly list: Member[] = [];
  readonly events: TopologyEvent[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private sampler: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  stopped = false;

  add(m: Omit<Member, 'served' | 'last'>): Member {
    const member = { ...m, served: {}, last: {} };
    this.list.push(member);
    return member;
  }

  /** Start sampling every node (once the deployment is up; what it did to set up is left out). */
  async startSampling(): Promise<void> {
    await Promise.all(this.list.map((m) => this.sample(m, false)));
    this.sampler = setInterval(() => {
      this.sampling ??= Promise.all(this.list.map((m) => this.sample(m))).then(() => {
        this.sampling = undefined;
      });
    }, SAMPLE_MS);
    this.sampler.unref();
  }

  /** Add what a node executed since its last sample to what it served, if it is a master now. */
  private async sample(m: Member, count = true): Promise<void> {
    if (m.fixedRole === 'sentinel' || !m.node.alive) return;
    const now = await this.stats(m);
    if (!now) return;
    const role = await this.role(m);
    if (count && role !== 'replica') m.served = add(m.served, add(now, m.last, -1));
    m.last = now;
  }

  byNode(node: RedisNode): Member | undefined {
    return this.list.find((m) => m.node === node);
  }

  /** Its role now: fixed, or from INFO replication; a node that does not answer keeps the last one seen. */
  async role(m: Member): Promise<Role> {
    if (m.fixedRole) return m.fixedRole;
    const info = await m.node.info('replication');
    if (info) m.lastRole = /^role:slave/m.test(info) ? 'replica' : 'master';
    return m.lastRole ?? 'master';
  }

  /** Calls per command a node executed since it was started (or restarted). */
  async stats(m: Member): Promise<Record<string, number> | undefined> {
    const info = await m.node.info('commandstats');
    return info === undefined ? undefined : parseCommandStats(info);
  }

  /** Calls per command it served clients, up to now. */
  async served(m: Member): Promise<Record<string, number>> {
    await this.sample(m);
    return m.served;
  }

  /** Kill a node, keeping what it served. */
  async kill(m: Member): Promise<void> {
    await this.sample(m);
    await m.node.kill();
  }

  /** Start a killed node again: its process counts from zero. */
  async restart(m: Member): Promise<void> {
    if (m.node.alive) await this.kill(m);
    await m.node.restart();
    m.last = {};
  }

  async commandCounts(): Promise<CommandCounts> {
    let byCommand: Record<string, number> = {};
    for (const m of this.list) byCommand = add(byCommand, await this.served(m));
    return countsOf(byCommand);
  }

  async nodeResults(): Promise<RedisNodeResult[]> {
    return Promise.all(
      this.list.map(async (m) => {
        const counts = countsOf(await this.served(m));
        const mem = await m.node.info('memory');
        const used = mem && /^used_memory:(\d+)/m.exec(mem)?.[1];
        const keys = m.node.alive && m.fixedRole !== 'sentinel' ? await m.node.admin.dbsize().catch(() => null) : null;
        return {
          name: m.name,
          role: await this.role(m),
          alive: m.node.alive,
          reads: counts.reads,
          writes: counts.writes,
          usedMemoryBytes: used ? Number(used) : null,
          keys,
        };
      }),
    );
  }

  /** Run `work` in the background; `settle` waits for it. */
  spawn(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.background.delete(p));
    this.background.add(p);
  }

  async settle(cut = false): Promise<void> {
    if (cut) this.stopped = true;
    while (this.background.size) await Promise.all([...this.background]);
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    await this.sampling;
    this.stopped = true;
    await this.settle();
    await Promise.all(this.list.map((m) => m.proxy.close()));
    await Promise.all(this.list.map((m) => m.node.stop()));
  }
}

/** Poll `check` every `everyMs` until it returns a value or `deadlineMs` passes (then undefined). */
export async function poll<T>(
  check: () => Promise<T | undefined>,
  everyMs: number,
  deadlineMs: number,
  stop: () => boolean = () => false,
): Promise<T | undefined> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end && !stop()) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}
