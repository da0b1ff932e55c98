/**
 * Live resharding of a Redis Cluster, slot by slot as redis-cli does it: the destination IMPORTING,
 * the source MIGRATING, the slot's keys moved with MIGRATE (atomic per key, so a write is never
 * lost on the way), then the new owner announced to the destination, the source and every other
 * master. Meanwhile clients get ASK for keys already moved and MOVED afterwards.
 */
import { messageOf } from '../../errors.js';
import { SLOTS } from '../../util/crc16.js';
import type { Member, Members } from './members.js';

/** What resharding needs of a cluster deployment. */
export interface ReshardableCluster {
  /** The masters as started: the destination is named by its index here. */
  readonly masters: readonly Member[];
  /** Cluster node id of each node. */
  readonly ids: ReadonlyMap<Member, string>;
  readonly members: Members;
  /** Slots a master serves now. */
  slotsOf(m: Member): Promise<number[]>;
}

/** What a reshard did, for its topology event. */
export interface ReshardOutcome {
  durationMs: number | null;
  slotsMoved: number;
  keysMoved: number;
  bytesMoved: number;
  detail: string;
}

const call = (m: Member, ...args: (string | number)[]) => m.node.admin.call(args[0] as string, ...args.slice(1));

/** Slots to move to `dst`, taken from the end of every other master's slots in proportion to their share. */
async function plan(d: ReshardableCluster, dst: Member, count: number): Promise<[Member, number][]> {
  const owned = new Map<Member, number[]>();
  // Every live master now, replicas promoted in a failover included.
  for (const m of d.members.list) {
    if (m !== dst && m.node.alive && (await d.members.role(m)) === 'master') owned.set(m, await d.slotsOf(m));
  }
  const others = [...owned.values()].reduce((a, b) => a + b.length, 0);
  const moves: [Member, number][] = [];
  for (const [src, slots] of owned) {
    const take = Math.min(slots.length, Math.round((count * slots.length) / Math.max(1, others)));
    for (const s of slots.slice(slots.length - take)) moves.push([src, s]);
  }
  return moves;
}

/** Move one slot's keys and ownership; returns the keys and bytes moved. */
async function moveSlot(d: ReshardableCluster, src: Member, dst: Member, slot: number, others: readonly Member[]) {
  const srcId = d.ids.get(src)!;
  const dstId = d.ids.get(dst)!;
  await call(dst, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', srcId);
  await call(src, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', dstId);
  let keys = 0;
  let bytes = 0;
  for (;;) {
    const batch = (await call(src, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
    if (batch.length === 0) break;
    const dumps = src.node.admin.pipeline();
    for (const k of batch) dumps.dumpBuffer(k);
    for (const [, b] of (await dumps.exec()) ?? []) bytes += Buffer.isBuffer(b) ? b.length : 0;
    await call(src, 'MIGRATE', '127.0.0.1', dst.node.port, '', 0, 5000, 'KEYS', ...batch);
    keys += batch.length;
  }
  for (const m of [dst, src, ...others.filter((x) => x !== src && x !== dst)])
    await call(m, 'CLUSTER', 'SETSLOT', slot, 'NODE', dstId);
  return { keys, bytes };
}

/** Move `share` of all slots to master `index`, a few slots at a time, while clients keep going. */
export async function reshard(d: ReshardableCluster, index: number, share: number): Promise<ReshardOutcome> {
  const dst = d.masters[index]!;
  const t0 = performance.now();
  const out = { slotsMoved: 0, keysMoved: 0, bytesMoved: 0 };
  try {
    if (!dst.node.alive) throw new Error(`${dst.name} is not running`);
    const moves = await plan(d, dst, Math.round(share * SLOTS));
    const others = [...new Set(moves.map(([src]) => src))];
    let next = 0;
    const worker = async () => {
      while (next < moves.length && !d.members.stopped) {
        const [src, slot] = moves[next++]!;
        const moved = await moveSlot(d, src, dst, slot, others);
        out.slotsMoved++;
        out.keysMoved += moved.keys;
        out.bytesMoved += moved.bytes;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const ms = Math.round(performance.now() - t0);
    const cut = out.slotsMoved < moves.length;
    return {
      ...out,
      durationMs: cut ? null : ms,
      detail: `${out.slotsMoved} of ${moves.length} slots (${out.keysMoved} keys) to ${dst.name} in ${ms} ms`,
    };
  } catch (err) {
    return { ...out, durationMs: null, detail: `reshard to ${dst.name} failed: ${messageOf(err)}` };
  }
}
