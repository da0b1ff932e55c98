/**
 * The load balancer, modelled in the driver so no extra hop eats CPU. A router picks the instance
 * for each turn; instances marked down are routed around.
 */
import { createHash } from 'node:crypto';
import { Prng } from '../util/prng.js';

export type RoutingName = 'round-robin' | 'random' | 'sticky';

export interface Router {
  /** The instance for the next turn of the conversation with this affinity key. */
  pick(affinityKey: string): number;
  /** Take an instance out of (false) or back into (true) rotation. */
  setAlive(index: number, alive: boolean): void;
}

abstract class BaseRouter implements Router {
  protected readonly alive: boolean[];

  constructor(protected readonly count: number) {
    this.alive = new Array<boolean>(count).fill(true);
  }

  abstract pick(affinityKey: string): number;

  setAlive(index: number, alive: boolean): void {
    this.alive[index] = alive;
  }

  protected aliveList(): number[] {
    const out = [];
    for (let i = 0; i < this.count; i++) if (this.alive[i]) out.push(i);
    return out.length ? out : [...Array(this.count).keys()];
  }
}

export class RoundRobinRouter extends BaseRouter {
  private next = 0;

  pick(): number {
    for (let n = 0; n < this.count; n++) {
      const i = this.next++ % this.count;
      if (this.alive[i]) return i;
    }
    return this.next++ % this.count;
  }
}

export class RandomRouter extends BaseRouter {
  constructor(
    count: number,
    private readonly prng: Prng,
  ) {
    super(count);
  }

  pick(): number {
    const list = this.aliveList();
    return list[Math.floor(this.prng.next() * list.length)]!;
  }
}

function ringHash(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}

/**
 * A consistent-hash ring with virtual nodes (ketama-style): each instance owns `vnodes` points;
 * a key belongs to the first point at or after its hash. Removing an instance moves only its keys.
 */
export class HashRing {
  private points: Uint32Array = new Uint32Array(0);
  private owners: number[] = [];

  constructor(private readonly vnodes = 160) {}

  /** Rebuild the ring over these instance indexes. */
  build(nodes: readonly number[]): void {
    const pairs: [number, number][] = [];
    for (const node of nodes)
      for (let v = 0; v < this.vnodes; v++) pairs.push([ringHash(`instance-${node}#${v}`), node]);
    pairs.sort((x, y) => x[0] - y[0]);
    this.points = Uint32Array.from(pairs, (p) => p[0]);
    this.owners = pairs.map((p) => p[1]);
  }

  /** The node owning this key; -1 when the ring is empty. */
  lookup(key: string): number {
    if (this.points.length === 0) return -1;
    const h = ringHash(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo]!;
  }
}

/**
 * Affinity by consistent hash of the conversation's affinity key (the balancer's own sticky
 * cookie, set on the first request, like nginx `sticky cookie`). Lookups are cached per key until
 * the ring changes.
 */
export class StickyRouter extends BaseRouter {
  private readonly ring = new HashRing();
  private readonly cache = new Map<string, number>();

  constructor(count: number) {
    super(count);
    this.ring.build(this.aliveList());
  }

  pick(affinityKey: string): number {
    let i = this.cache.get(affinityKey);
    if (i === undefined) {
      i = this.ring.lookup(affinityKey);
      this.cache.set(affinityKey, i);
    }
    return i;
  }

  /** Forget a conversation that ended (keeps the cache bounded by active conversations). */
  forget(affinityKey: string): void {
    this.cache.delete(affinityKey);
  }

  override setAlive(index: number, alive: boolean): void {
    if (this.alive[index] === alive) return;
    super.setAlive(index, alive);
    this.ring.build(this.aliveList());
    this.cache.clear();
  }
}

export function createRouter(name: RoutingName, count: number, seed: number): Router {
  switch (name) {
    case 'round-robin':
      return new RoundRobinRouter(count);
    case 'random':
      return new RandomRouter(count, new Prng(seed, 'routing'));
    case 'sticky':
      return new StickyRouter(count);
  }
}
