/**
 * Redis with Sentinel: a master (`redis[0]`), its replicas (`redis[0].replica`, or
 * `redis[0].replica[j]` with several) and Sentinels (`sentinel[i]`) that promote a replica when the
 * master has not answered for `downAfterMs` and a quorum (a majority) agrees. The Sentinels start
 * knowing each other and the replicas, so the deployment is ready in well under a second instead of
 * after their discovery period. Every node and every Sentinel is behind its own fault proxy; the
 * instances ask the Sentinels (through their proxies) where the master is, and a natMap leads every
 * announced address to its proxy.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, RedisTopologySpec, SentinelTarget } from '../../backends/types.js';
import { EnvironmentError } from '../../errors.js';
import type { RedisTopologyResult } from '../../results/topology.js';
import { freePort } from '../ports.js';
import { baseArgs, RedisNode, redisBin } from '../redis-node.js';
import { type Member, Members, poll, proxied } from './members.js';
import type { Deployment, FaultRef, RedisSelector, TopologyContext, TopologyDefinition } from './types.js';

type Spec = Extract<RedisTopologySpec, { kind: 'sentinel' }>;
const MASTER_NAME = 'sessbench';

class SentinelDeployment implements Deployment {
  readonly kind = 'sentinel';
  readonly data: Member[] = [];
  readonly sentinels: Member[] = [];

  constructor(
    readonly spec: Spec,
    readonly ctx: TopologyContext,
    readonly members: Members,
  ) {}

  async create(): Promise<void> {
    const bin = redisBin(this.ctx.bin);
    const replicaName = (j: number) => (this.spec.replicas === 1 ? 'redis[0].replica' : `redis[0].replica[${j}]`);
    // A master waits 5 s by default before a diskless full sync (for more replicas to join it):
    // not here, on any node, since a replica may become master.
    const args = (port: number, dir: string) => [...baseArgs(port, dir), '--repl-diskless-sync-delay', '0'];
    const master = await RedisNode.start('redis[0]', bin, args);
    this.data.push(await this.member('redis[0]', master));
    for (let j = 0; j < this.spec.replicas; j++) {
      const node = await RedisNode.start(replicaName(j), bin, (port, dir) => [
        ...args(port, dir),
        ...['--replicaof', '127.0.0.1', String(master.port)],
      ]);
      this.data.push(await this.member(replicaName(j), node));
    }
    const ports = await Promise.all(Array.from({ length: this.spec.sentinels }, () => freePort()));
    const ids = ports.map(() => randomBytes(20).toString('hex'));
    for (const [i, port] of ports.entries()) {
      const node = await RedisNode.start(
        `sentinel[${i}]`,
        bin,
        (p, dir) => this.sentinelArgs(p, dir, i, ports, ids),
        port,
      );
      this.sentinels.push(await this.member(`sentinel[${i}]`, node, 'sentinel'));
    }
    const ready = await poll(
      async () => {
        for (const s of this.sentinels) {
          const fields = (await s.node.admin.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[];
          const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]])));
          if (f.flags !== 'master' || Number(f['num-slaves']) !== this.spec.replicas) return undefined;
          if (Number(f['num-other-sentinels']) !== this.spec.sentinels - 1) return undefined;
        }
        const links = await Promise.all(this.data.slice(1).map((r) => r.node.info('replication')));
        return links.every((l) => l && /master_link_status:up/.test(l)) || undefined;
      },
      20,
      15_000,
    );
    if (!ready) throw new EnvironmentError('Redis with Sentinel did not come up within 15 s');
    await this.members.startSampling();
  }

  private async member(name: string, node: RedisNode, fixedRole?: 'sentinel'): Promise<Member> {
    return this.members.add({
      name,
      node,
      proxy: await proxied(name, node, this.ctx.proxies),
      ...(fixedRole ? { fixedRole } : {}),
    });
  }

  /** The Sentinel's configuration file (it rewrites it), written into its folder. */
  private sentinelArgs(port: number, dir: string, i: number, ports: number[], ids: string[]): string[] {
    const master = this.data[0]!.node.port;
    const quorum = Math.floor(this.spec.sentinels / 2) + 1;
    const lines = [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      `sentinel myid ${ids[i]}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} ${quorum}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${this.spec.downAfterMs}`,
      `sentinel failover-timeout ${MASTER_NAME} ${Math.max(3000, 3 * this.spec.downAfterMs)}`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      ...this.data.slice(1).map((r) => `sentinel known-replica ${MASTER_NAME} 127.0.0.1 ${r.node.port}`),
      ...ports.flatMap((p, j) => (j === i ? [] : [`sentinel known-sentinel ${MASTER_NAME} 127.0.0.1 ${p} ${ids[j]}`])),
    ];
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return [file, '--sentinel'];
  }

  target(keyPrefix: string): SentinelTarget {
    const natMap: Record<string, Address> = {};
    for (const m of this.data) natMap[`127.0.0.1:${m.node.port}`] = { host: '127.0.0.1', port: m.proxy.port };
    const sentinels = this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.proxy.port }));
    return { kind: 'sentinel', sentinels, name: MASTER_NAME, natMap, keyPrefix };
  }

  private pick(sel: RedisSelector): Member | undefined {
    return sel.kind === 'node' && sel.index === 0 ? this.data[sel.replica ? 1 : 0] : undefined;
  }

  links(sel: RedisSelector) {
    if (sel.kind === 'all') return this.data.map((m) => m.proxy);
    const m = this.pick(sel);
    return m ? [m.proxy] : [];
  }

  process(sel: RedisSelector) {
    return this.pick(sel)?.node;
  }

  async kill(node: RedisNode): Promise<void> {
    const m = this.members.byNode(node)!;
    const wasMaster = (await this.members.role(m)) === 'master';
    const t0 = performance.now();
    await this.members.kill(m);
    if (wasMaster) this.members.spawn(this.watchTakeover(m, t0));
  }

  restart(node: RedisNode): Promise<void> {
    return this.members.restart(this.members.byNode(node)!);
  }

  async failover(index: number, fault: FaultRef): Promise<void> {
    const m = this.data[index]!;
    if (!m.node.alive || (await this.members.role(m)) !== 'master') throw new Error(`${m.name} is not the master`);
    const at = this.ctx.now();
    const t0 = performance.now();
    await this.members.kill(m);
    this.members.spawn(
      this.watchTakeover(m, t0).then((took) =>
        this.members.events.push({
          kind: 'failover',
          fault: fault.name,
          t: at / 1000,
          durationMs: took ? Math.round(took.ms) : null,
          detail: took
            ? `the Sentinels made ${took.by} master; it took writes ${Math.round(took.ms)} ms after ${m.name} was ` +
              `killed (down-after ${this.spec.downAfterMs} ms)`
            : `no replica of ${m.name} took over within the run`,
        }),
      ),
    );
  }

  /** The replica the Sentinels name as master, and the time until it takes a write. */
  private watchTakeover(old: Member, t0: number): Promise<{ by: string; ms: number } | undefined> {
    return poll(
      async () => {
        for (const s of this.sentinels) {
          if (!s.node.alive) continue;
          const addr = (await s.node.admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[];
          const next = this.data.find((m) => m !== old && m.node.port === Number(addr?.[1]));
          if (!next || (await this.members.role(next)) !== 'master') continue;
          await next.node.admin.set('sessbench-probe', '1');
          await next.node.admin.del('sessbench-probe');
          return { by: next.name, ms: performance.now() - t0 };
        }
        return undefined;
      },
      20,
      this.spec.downAfterMs * 3 + 30_000,
      () => this.members.stopped,
    );
  }

  commandCounts() {
    return this.members.commandCounts();
  }

  async result(): Promise<RedisTopologyResult> {
    const { replicas, sentinels } = this.spec;
    return {
      kind: 'sentinel',
      shape: `1 master, ${replicas} replica${replicas === 1 ? '' : 's'}, ${sentinels} Sentinels`,
      nodes: await this.members.nodeResults(),
      redirects: null,
      keySpread: null,
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

export const sentinelTopology = {
  kind: 'sentinel',
  async start(spec, ctx) {
    const d = new SentinelDeployment(spec, ctx, new Members());
    try {
      await d.create();
      return d;
    } catch (err) {
      await d.stop();
      throw err;
    }
  },
} satisfies TopologyDefinition<'sentinel'>;
