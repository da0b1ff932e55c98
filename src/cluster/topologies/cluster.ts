/**
 * A real Redis Cluster: M masters with R replicas each, created as redis-cli would (config epochs,
 * slots split evenly, MEET, REPLICATE) and ready when every node says cluster_state:ok and every
 * replica's link is up. Each node is behind its own fault proxy; the nodes talk to each other
 * (cluster bus, replication) directly. The instances get the masters' proxies as seeds and a
 * natMap from every node's announced address to its proxy, so MOVED and ASK redirects and the slot
 * map lead through the proxies too.
 *
 * Node names: `redis[k]` is the k-th master as started, `redis[k].replica` its replica
 * (`redis[k].replica[j]` with several); a name stays with its process through failovers.
 */
import type { Address, ClusterTarget, RedisTopologySpec } from '../../backends/types.js';
import { EnvironmentError } from '../../errors.js';
import { type KeySpread, type RedisTopologyResult, keySpread } from '../../results/topology.js';
import { keySlot, SLOTS } from '../../util/crc16.js';
import { freePort } from '../ports.js';
import { baseArgs, RedisNode, redisBin } from '../redis-node.js';
import { reshard } from './cluster-reshard.js';
import { type Member, Members, poll, proxied } from './members.js';
import type { Deployment, FaultRef, RedisSelector, TopologyContext, TopologyDefinition } from './types.js';

type Spec = Extract<RedisTopologySpec, { kind: 'cluster' }>;

const call = (m: Member, ...args: (string | number)[]) => m.node.admin.call(args[0] as string, ...args.slice(1));

/** CLUSTER INFO as a map. */
async function clusterInfo(m: Member): Promise<Record<string, string>> {
  const text = String(await call(m, 'CLUSTER', 'INFO'));
  return Object.fromEntries(text.split(/\r?\n/).map((l) => l.split(':') as [string, string]));
}

export class ClusterDeployment implements Deployment {
  readonly kind = 'cluster';
  readonly masters: Member[] = [];
  readonly replicas: Member[][] = [];
  readonly ids = new Map<Member, string>();

  constructor(
    readonly spec: Spec,
    readonly ctx: TopologyContext,
    readonly members: Members,
  ) {}

  async create(): Promise<void> {
    const { masters, replicas, nodeTimeoutMs } = this.spec;
    const bin = redisBin(this.ctx.bin);
    const total = masters * (1 + replicas);
    const buses: number[] = [];
    const started = await Promise.allSettled(
      Array.from({ length: total }, async (_, i) => {
        const bus = await freePort();
        buses[i] = bus;
        const node = await RedisNode.start(this.nameOf(i), bin, (port, dir) => [
          ...baseArgs(port, dir),
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus)],
          ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-replica-validity-factor', '0'],
          ...['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'],
        ]);
        return { node, proxy: await proxied(this.nameOf(i), node, this.ctx.proxies) };
      }),
    );
    for (const [i, s] of started.entries()) {
      if (s.status === 'fulfilled') {
        const m = this.members.add({ name: this.nameOf(i), ...s.value });
        if (i < masters) this.masters.push(m);
        else {
          const k = (i - masters) % masters;
          this.replicas[k] = [...(this.replicas[k] ?? []), m];
        }
      }
    }
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const all = this.members.list;
    await Promise.all(all.map((m, i) => call(m, 'CLUSTER', 'SET-CONFIG-EPOCH', i + 1)));
    await Promise.all(this.masters.map((m, k) => call(m, 'CLUSTER', 'ADDSLOTSRANGE', ...this.range(k))));
    for (const m of all) this.ids.set(m, String(await call(m, 'CLUSTER', 'MYID')));
    // Every node meets every other at once: no waiting for gossip to spread the membership.
    await Promise.all(
      all.flatMap((m, i) =>
        all.slice(i + 1).map((o, j) => call(m, 'CLUSTER', 'MEET', '127.0.0.1', o.node.port, buses[i + 1 + j]!)),
      ),
    );
    const ids = [...this.ids.values()];
    await this.waitFor('every node to know the others', async () => {
      const views = await Promise.all(all.map((m) => call(m, 'CLUSTER', 'NODES')));
      return (
        views.every((v) => !String(v).includes('handshake') && ids.every((id) => String(v).includes(id))) || undefined
      );
    });
    await Promise.all(
      this.replicas.flatMap((rs, k) => rs.map((r) => call(r, 'CLUSTER', 'REPLICATE', this.ids.get(this.masters[k]!)!))),
    );
    await this.waitFor('cluster_state:ok and every replica in sync', async () => {
      const infos = await Promise.all(all.map(clusterInfo));
      if (!infos.every((i) => i.cluster_state === 'ok' && Number(i.cluster_slots_ok) === SLOTS)) return undefined;
      const links = await Promise.all(this.replicas.flat().map((r) => r.node.info('replication')));
      return links.every((l) => l && /master_link_status:up/.test(l)) || undefined;
    });
    await this.members.startSampling();
  }

  private nameOf(i: number): string {
    const { masters, replicas } = this.spec;
    if (i < masters) return `redis[${i}]`;
    const k = (i - masters) % masters;
    const j = Math.floor((i - masters) / masters);
    return replicas === 1 ? `redis[${k}].replica` : `redis[${k}].replica[${j}]`;
  }

  /** The slots master k starts with. */
  private range(k: number): [number, number] {
    const n = this.spec.masters;
    return [Math.floor((k * SLOTS) / n), Math.floor(((k + 1) * SLOTS) / n) - 1];
  }

  private async waitFor(what: string, check: () => Promise<true | undefined>): Promise<void> {
    if ((await poll(check, 20, 15_000)) === undefined)
      throw new EnvironmentError(`the Redis Cluster did not come up: no ${what} within 15 s`);
  }

  target(keyPrefix: string): ClusterTarget {
    const natMap: Record<string, Address> = {};
    for (const m of this.members.list) natMap[`127.0.0.1:${m.node.port}`] = { host: '127.0.0.1', port: m.proxy.port };
    return { kind: 'cluster', nodes: this.masters.map((m) => natMap[`127.0.0.1:${m.node.port}`]!), natMap, keyPrefix };
  }

  private member(sel: RedisSelector): Member | undefined {
    if (sel.kind !== 'node') return undefined;
    return sel.replica ? this.replicas[sel.index]?.[0] : this.masters[sel.index];
  }

  links(sel: RedisSelector) {
    if (sel.kind === 'all') return this.members.list.map((m) => m.proxy);
    const m = this.member(sel);
    return m ? [m.proxy] : [];
  }

  process(sel: RedisSelector) {
    return this.member(sel)?.node;
  }

  async kill(node: RedisNode): Promise<void> {
    const m = this.members.byNode(node)!;
    const k = this.masters.indexOf(m);
    const wasMaster = (await this.members.role(m)) === 'master';
    const slots = k >= 0 && wasMaster ? await this.slotsOf(m) : [];
    const t0 = performance.now();
    await this.members.kill(m);
    if (slots.length) this.members.spawn(this.watchTakeover(k, slots, t0));
  }

  restart(node: RedisNode): Promise<void> {
    return this.members.restart(this.members.byNode(node)!);
  }

  async failover(index: number, fault: FaultRef): Promise<void> {
    const m = this.masters[index]!;
    if (!m.node.alive) throw new Error(`${m.name} is not running`);
    if (!this.replicas[index]?.length) throw new Error(`${m.name} has no replica to take over`);
    const slots = await this.slotsOf(m);
    if (slots.length === 0) throw new Error(`${m.name} serves no slots`);
    const at = this.ctx.now();
    const t0 = performance.now();
    await this.members.kill(m);
    this.members.spawn(
      this.watchTakeover(index, slots, t0).then((took) =>
        this.members.events.push({
          kind: 'failover',
          fault: fault.name,
          t: at / 1000,
          durationMs: took ? Math.round(took.ms) : null,
          detail: took
            ? `${took.by} took over ${slots.length} slots ${Math.round(took.ms)} ms after ${m.name} was killed ` +
              `(node timeout ${this.spec.nodeTimeoutMs} ms)`
            : `no replica of ${m.name} took over within the run`,
        }),
      ),
    );
  }

  /** Slots a master serves now (from a live node's CLUSTER SLOTS). */
  async slotsOf(m: Member): Promise<number[]> {
    const asker = this.members.list.find((x) => x.node.alive)!;
    const ranges = (await call(asker, 'CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    const out: number[] = [];
    for (const [lo, hi, [, port]] of ranges) if (port === m.node.port) for (let s = lo; s <= hi; s++) out.push(s);
    return out;
  }

  /**
   * After master `k` died: the time until a write to one of `slots` succeeds again, and on which
   * node: the promoted replica, or the old master if it is back before any replica took over.
   */
  private async watchTakeover(k: number, slots: number[], t0: number): Promise<{ by: string; ms: number } | undefined> {
    const probe = probeKey(new Set(slots));
    const old = this.masters[k]!;
    return poll(
      async () => {
        for (const m of [...(this.replicas[k] ?? []), old]) {
          if (!m.node.alive) continue;
          // A node that does not own the slot answers MOVED (an error): not this one.
          const ok = await m.node.admin.set(probe, '1').then(
            () => true,
            () => false,
          );
          if (!ok) continue;
          await m.node.admin.del(probe).catch(() => 0);
          return { by: m === old ? `${m.name} (back before a replica took over)` : m.name, ms: performance.now() - t0 };
        }
        return undefined;
      },
      20,
      this.spec.nodeTimeoutMs * 3 + 30_000,
      () => this.members.stopped,
    );
  }

  async reshard(index: number, share: number, fault: FaultRef): Promise<void> {
    const at = this.ctx.now();
    this.members.spawn(
      reshard(this, index, share).then((r) =>
        this.members.events.push({ kind: 'reshard', fault: fault.name, t: at / 1000, ...r }),
      ),
    );
  }

  commandCounts() {
    return this.members.commandCounts();
  }

  async result(): Promise<RedisTopologyResult> {
    const nodes = await this.members.nodeResults();
    let moved = 0;
    let ask = 0;
    for (const m of this.members.list) {
      const info = (await m.node.info('errorstats')) ?? '';
      moved += Number(/errorstat_MOVED:count=(\d+)/.exec(info)?.[1] ?? 0);
      ask += Number(/errorstat_ASK:count=(\d+)/.exec(info)?.[1] ?? 0);
    }
    const spread: KeySpread | null = keySpread(
      nodes.filter((n) => n.alive && n.role === 'master').map((n) => n.keys ?? 0),
    );
    const { masters, replicas } = this.spec;
    return {
      kind: 'cluster',
      shape: `${masters} masters × ${replicas} replica${replicas === 1 ? '' : 's'}`,
      nodes,
      redirects: { moved, ask },
      keySpread: spread,
      events: [...this.members.events],
    };
  }

  settle(cut?: boolean) {
    return this.members.settle(cut);
  }

  stop() {
    return this.members.stop();
  }
}

/** A key whose slot is one of `slots`, for probing that a shard takes writes again. */
export function probeKey(slots: Set<number>): string {
  for (let i = 0; ; i++) if (slots.has(keySlot(`sessbench-probe:${i}`))) return `sessbench-probe:${i}`;
}

export const clusterTopology = {
  kind: 'cluster',
  async start(spec, ctx) {
    const d = new ClusterDeployment(spec, ctx, new Members());
    try {
      await d.create();
      return d;
    } catch (err) {
      await d.stop();
      throw err;
    }
  },
} satisfies TopologyDefinition<'cluster'>;
