/**
 * A consistent-hash ring with virtual nodes, laid out exactly as twemproxy's `ketama` distribution
 * with `hash: md5` (nc_ketama.c): each server owns points md5("<name>-<i>") read as four
 * little-endian 32-bit words, and a key belongs to the first point at or after md5(key)'s first
 * word, wrapping around. With 160 points per server (twemproxy's fixed number for equal weights)
 * the instances' own ring and twemproxy put every key on the same node, so the harness can tell
 * where a key lives, and where it moves when the membership changes.
 */
import { createHash } from 'node:crypto';

/** The `word`-th little-endian 32-bit word of md5(text). */
function md5Word(text: string, word: number): number {
  return createHash('md5')
    .update(text)
    .digest()
    .readUInt32LE(word * 4);
}

/** The hash a key is placed by (twemproxy's hash_md5). */
export function keyHash(key: string): number {
  return md5Word(key, 0);
}

export class KetamaRing {
  private points = new Uint32Array(0);
  private owners: string[] = [];

  /**
   * @param names the servers (their twemproxy names, which place their points)
   * @param vnodes points per server; 160 is twemproxy's layout, 1 the ring without virtual nodes
   */
  constructor(
    readonly names: readonly string[],
    readonly vnodes = 160,
  ) {
    const pairs: [number, string][] = [];
    for (const name of names) {
      for (let p = 0; p < vnodes; p++) pairs.push([md5Word(`${name}-${Math.floor(p / 4)}`, p % 4), name]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    this.points = Uint32Array.from(pairs, (p) => p[0]);
    this.owners = pairs.map((p) => p[1]);
  }

  /** The server owning `key`; undefined when the ring is empty. */
  owner(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const h = keyHash(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo];
  }
}
