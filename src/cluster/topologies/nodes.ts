/**
 * Standalone Redis nodes on a consistent-hash ring (`redis[k]`, placed on the ring as `node<k>`):
 * behind one twemproxy (ketama), or hashed by each instance's client on the same ring. Every node
 * is behind its own fault proxy, and so is twemproxy. Nodes leave and join during the run:
 *
 * - without migration the ring just changes: sessions whose node changed are not found any more
 *   (they are still on their old node, orphaned);
 * - with migration the moved keys are copied first (DUMP/PTTL → RESTORE on the new owner) while the
 *   links they are read and written through are down for the copy (nothing can change them
 *   meanwhile: a turn in that window fails rather than losing or forking its session), then the
 *   ring changes and the links come back.
 *
 * Events give the share of keys remapped, the keys and bytes moved and the time it took.
 */
import type { RedisTopologySpec, RingNode, RingTarget, SingleTarget } from '../../backends/types.js';
import type { FaultLink } from '../../faults/proxy-host.js';
import { toxics } from '../../faults/toxics/registry.js';
import { type RedisTopologyResult, keySpread } from '../../results/topology.js';
import { KetamaRing } from '../../util/ketama.js';
import { RedisNode, baseArgs, redisBin } from '../redis-node.js';
import { Twemproxy } from '../twemproxy.js';
import { type Member, Members, proxied } from './members.js';
import type { Deployment, FaultRef, RedisSelector, TopologyContext, TopologyDefinition } from './types.js';

type Spec = Extract<RedisTopologySpec, { kind: 'nodes' }>;

const ringName = (k: number) => `node${k}`;

class NodesDeployment implements Deployment {
  readonly kind = 'nodes';
  /** Every node ever started, by index. */
  readonly nodes: Member[] = [];
  /** The nodes on the ring now. */
  ring: Member[] = [];
  private twemproxy: Twemproxy | undefined;
  private front: FaultLink | undefined;

  constructor(
    readonly spec: Spec,
    readonly ctx: TopologyContext,
    readonly members: Members,
    private readonly timeoutMs: number,
  ) {}

  async create(): Promise<void> {
    for (let k = 0; k < this.spec.count; k++) await this.startNode();
    this.ring = [...this.nodes];
    if (this.spec.via === 'twemproxy') {
      this.twemproxy = await Twemproxy.start(this.servers(this.ring), this.timeoutMs);
      this.front = await this.ctx.proxies.create('twemproxy', { host: '127.0.0.1', port: this.twemproxy.port });
    }
    await this.members.startSampling();
  }

  private async startNode(): Promise<Member> {
    const k = this.nodes.length;
    const node = await RedisNode.start(`redis[${k}]`, redisBin(this.ctx.bin), baseArgs);
    const m = this.members.add({
      name: `redis[${k}]`,
      node,
      proxy: await proxied(`redis[${k}]`, node, this.ctx.proxies),
      fixedRole: 'node',
    });
    this.nodes.push(m);
    return m;
  }

  private servers(ring: readonly Member[]) {
    return ring.map((m) => ({ name: ringName(this.nodes.indexOf(m)), port: m.proxy.port }));
  }

  private ringNodes(ring: readonly Member[]): RingNode[] {
    return this.servers(ring).map((s) => ({ ...s, host: '127.0.0.1' }));
  }

  private ketama(ring: readonly Member[]): KetamaRing {
    return new KetamaRing(
      ring.map((m) => ringName(this.nodes.indexOf(m))),
      this.spec.vnodes,
    );
  }

  target(keyPrefix: string): SingleTarget | RingTarget {
    if (this.front) return { host: '127.0.0.1', port: this.front.port, keyPrefix, twemproxy: true };
    return { kind: 'ring', nodes: this.ringNodes(this.ring), vnodes: this.spec.vnodes, keyPrefix };
  }

  links(sel: RedisSelector): FaultLink[] {
    if (sel.kind === 'all') return this.ring.map((m) => m.proxy);
    const m = sel.kind === 'node' && !sel.replica ? this.nodes[sel.index] : undefined;
    return m ? [m.proxy] : [];
  }

  process(sel: RedisSelector) {
    return sel.kind === 'node' && !sel.replica ? this.nodes[sel.index]?.node : undefined;
  }

  kill(node: RedisNode) {
    return this.members.kill(this.members.byNode(node)!);
  }

  restart(node: RedisNode) {
    return this.members.restart(this.members.byNode(node)!);
  }

  /** Every key each ring node owns now (keys orphaned on it by an earlier change are left out). */
  private async owned(ring: readonly Member[]): Promise<Map<Member, string[]>> {
    const hash = this.ketama(ring);
    const out = new Map<Member, string[]>();
    for (const m of ring) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await m.node.admin.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of batch) if (hash.owner(key) === ringName(this.nodes.indexOf(m))) keys.push(key);
      } while (cursor !== '0');
      out.set(m, keys);
    }
    return out;
  }

  async removeNode(index: number, fault: FaultRef): Promise<void> {
    const gone = this.nodes[index];
    if (!gone || !this.ring.includes(gone)) throw new Error(`redis[${index}] is not on the ring`);
    if (this.ring.length === 1) throw new Error('the last node cannot leave the ring');
    await this.change(
      'remove-node',
      fault,
      this.ring.filter((m) => m !== gone),
    );
    await this.members.kill(gone);
  }

  async addNode(fault: FaultRef): Promise<void> {
    const fresh = await this.startNode();
    await this.change('add-node', fault, [...this.ring, fresh]);
  }

  /** Change the ring to `next`, migrating the keys that change node first if the backend does. */
  private async change(kind: 'remove-node' | 'add-node', fault: FaultRef, next: Member[]) {
    const { migrate } = this.spec;
    const at = this.ctx.now();
    const t0 = performance.now();
    // The links the moving keys are reached through go down before they are listed, so no key can
    // be written (or made) on a node it is leaving meanwhile: a node leaving, or every node when one
    // joins.
    const sources = kind === 'remove-node' ? this.ring.filter((m) => !next.includes(m)) : this.ring;
    const fence = migrate ? await this.fence(sources) : [];
    const lift = () => Promise.all(fence.map(({ proxy, id }) => proxy.removeToxic(id)));
    const owned = await this.owned(this.ring).catch(async (err: unknown) => {
      await lift();
      throw err;
    });
    const hash = this.ketama(next);
    const moves: { from: Member; to: Member; keys: string[] }[] = [];
    let total = 0;
    for (const [from, keys] of owned) {
      total += keys.length;
      const byDest = new Map<Member, string[]>();
      for (const key of keys) {
        const to = this.nodes[Number(hash.owner(key)!.slice(4))]!;
        if (to !== from) byDest.set(to, [...(byDest.get(to) ?? []), key]);
      }
      for (const [to, k] of byDest) moves.push({ from, to, keys: k });
    }
    const remapped = moves.reduce((a, m) => a + m.keys.length, 0);
    let moved = { keys: 0, bytes: 0 };
    try {
      if (migrate) moved = await copyKeys(moves, kind === 'add-node');
      this.ring = next;
      if (this.twemproxy) await this.twemproxy.restart(this.servers(next));
      else await this.ctx.announceRing(this.ringNodes(next));
    } finally {
      await lift();
    }
    const ms = Math.round(performance.now() - t0);
    this.members.events.push({
      kind,
      fault: fault.name,
      t: at / 1000,
      durationMs: ms,
      keysMoved: moved.keys,
      bytesMoved: moved.bytes,
      keysRemapped: remapped,
      keysTotal: total,
      detail:
        `${remapped} of ${total} keys changed node; ` +
        (migrate ? `${moved.keys} copied (${moved.bytes} bytes) in ${ms} ms` : 'not migrated'),
    });
  }

  /** Take down the links the moving keys are reached through: twemproxy's, or their nodes'. */
  private fence(sources: Member[]): Promise<{ proxy: FaultLink; id: number }[]> {
    const down = { type: toxics.down.name, params: {}, direction: 'both' as const, toxicity: 1 };
    const proxies = this.front ? [this.front] : [...new Set(sources)].map((m) => m.proxy);
    return Promise.all(proxies.map(async (proxy) => ({ proxy, id: await proxy.addToxic(down) })));
  }

  commandCounts() {
    return this.members.commandCounts();
  }

  async result(): Promise<RedisTopologyResult> {
    const nodes = await this.members.nodeResults();
    const owned = await this.owned(this.ring.filter((m) => m.node.alive));
    const { count, via, vnodes, migrate } = this.spec;
    return {
      kind: 'nodes',
      shape:
        `${count} nodes, ${via === 'twemproxy' ? 'twemproxy ketama' : 'client-side ring'}, ${vnodes} vnodes` +
        (migrate ? ', migrating' : ''),
      nodes,
      redirects: null,
      keySpread: keySpread([...owned.values()].map((k) => k.length)),
      events: [...this.members.events],
    };
  }

  settle(cut?: boolean) {
    return this.members.settle(cut);
  }

  async stop() {
    await this.front?.close();
    await this.twemproxy?.stop();
    await this.members.stop();
  }
}

/** Copy keys to their new nodes (with their TTLs); on a join, delete them where they were. */
async function copyKeys(moves: { from: Member; to: Member; keys: string[] }[], deleteAfter: boolean) {
  let keys = 0;
  let bytes = 0;
  for (const { from, to, keys: list } of moves) {
    for (let i = 0; i < list.length; i += 500) {
      const batch = list.slice(i, i + 500);
      const read = from.node.admin.pipeline();
      for (const k of batch) read.dumpBuffer(k).pttl(k);
      const replies = (await read.exec()) ?? [];
      const write = to.node.admin.pipeline();
      batch.forEach((k, j) => {
        const data = replies[2 * j]?.[1] as Buffer | null;
        const ttl = Number(replies[2 * j + 1]?.[1]);
        if (!data || ttl === -2) return;
        write.restore(k, Math.max(0, ttl), data, 'REPLACE');
        keys++;
        bytes += data.length;
      });
      await write.exec();
      if (deleteAfter) await from.node.admin.unlink(...batch);
    }
  }
  return { keys, bytes };
}

export const nodesTopology = {
  kind: 'nodes',
  async start(spec, ctx) {
    const d = new NodesDeployment(spec, ctx, new Members(), 2000);
    try {
      await d.create();
      return d;
    } catch (err) {
      await d.stop();
      throw err;
    }
  },
} satisfies TopologyDefinition<'nodes'>;
