/**
 * The encoded size of every session a store saved, so the harness can report mean and p99 bytes per
 * session as stored. Sizes are counted in buckets of at most 1/64 of their value (every size within
 * 1.6 %), with the exact count, sum and largest size; the instances send these counts with their
 * stats and the harness merges them. No histogram library in the instance: loading one would add
 * more than 10 MiB to every instance's memory, which sessbench reports.
 */
import type { SizeSummary } from '../results/blocks.js';

/** Bytes per save of one store, as the instance reports them. */
export interface SizeCounts {
  /** [largest size of a bucket in bytes, saves in it], in no particular order. */
  buckets: [number, number][];
  count: number;
  /** Bytes of every save added up. */
  sum: number;
  max: number;
}

/** Bucket bits: 2^6 = 64 buckets between consecutive powers of two. */
const SUB_BUCKET_BITS = 6;

/** The upper end of the bucket `bytes` falls in. */
function bucketOf(bytes: number): number {
  const step = 2 ** Math.max(0, Math.floor(Math.log2(bytes)) - SUB_BUCKET_BITS);
  return Math.ceil(bytes / step) * step;
}

export class SessionSizes {
  private readonly buckets = new Map<number, number>();
  private count = 0;
  private sum = 0;
  private max = 0;

  /** One save of `bytes` encoded bytes. */
  record(bytes: number): void {
    const b = Math.max(1, Math.round(bytes));
    const bucket = bucketOf(b);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += b;
    if (b > this.max) this.max = b;
  }

  /** The counts so far; null before the first save. */
  counts(): SizeCounts | null {
    if (this.count === 0) return null;
    return { buckets: [...this.buckets], count: this.count, sum: this.sum, max: this.max };
  }
}

/** The instances' counts merged into one summary in bytes; null when none saved an encoded session. */
export function sizeSummary(list: readonly (SizeCounts | null | undefined)[]): SizeSummary | null {
  const merged = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let max = 0;
  for (const c of list) {
    if (!c) continue;
    for (const [bucket, n] of c.buckets) merged.set(bucket, (merged.get(bucket) ?? 0) + n);
    count += c.count;
    sum += c.sum;
    max = Math.max(max, c.max);
  }
  if (count === 0) return null;
  const sorted = [...merged].sort((a, b) => a[0] - b[0]);
  const percentile = (p: number) => {
    const rank = Math.ceil((p / 100) * count);
    let seen = 0;
    for (const [bucket, n] of sorted) {
      seen += n;
      if (seen >= rank) return Math.min(bucket, max);
    }
    return max;
  };
  return { count, mean: Math.round(sum / count), p50: percentile(50), p99: percentile(99), max };
}
