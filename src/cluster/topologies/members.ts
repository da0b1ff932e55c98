/**
 * What the multi-node deployments share: their nodes (each a redis-server behind its own fault
 * proxy), the counts each served its clients across kills and promotions, per-node results, the
 * events of the run, background work, and stopping it all.
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
  /** Client-served calls per command before its last kill. */
  carried: Record<string, number>;
  /** Its calls per command when it last became a master: what it executed before was replication. */
  base: Record<string, number>;
  /** The role it had when last asked. */
  lastRole?: Role;
}

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
  stopped = false;

  add(m: Omit<Member, 'carried' | 'base'>): Member {
    const member = { ...m, carried: {}, base: {} };
    this.list.push(member);
    return member;
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

  /** Calls per command it served clients: carried over kills, and as a master since it became one. */
  async served(m: Member): Promise<Record<string, number>> {
    if (m.fixedRole === 'sentinel') return m.carried;
    const now = await this.stats(m);
    if (!now || (await this.role(m)) === 'replica') return m.carried;
    return add(m.carried, add(now, m.base, -1));
  }

  /** A replica became master: what it executed so far was replication. */
  async promoted(m: Member): Promise<void> {
    m.base = (await this.stats(m)) ?? {};
  }

  /** Kill a node, keeping what it served. */
  async kill(m: Member): Promise<void> {
    m.carried = await this.served(m);
    m.base = {};
    await m.node.kill();
  }

  /** Start a killed node again: it counts from zero (as a master, or as a replica until promoted). */
  async restart(m: Member): Promise<void> {
    if (m.node.alive) await this.kill(m);
    await m.node.restart();
    m.base = {};
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
