/**
 * HdrHistogram (hdr-histogram-js), WebAssembly build where it loads. Values are recorded in
 * microseconds and reported in milliseconds. Histograms hold native memory: destroy() each one.
 */
import hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../results/blocks.js';

let wasm = false;

/** Load the WebAssembly build once; falls back to the JavaScript build when it can't. */
export async function initHistograms(): Promise<void> {
  if (wasm) return;
  try {
    await hdr.initWebAssembly();
    wasm = true;
  } catch {
    wasm = false;
  }
}

export type Histogram = ReturnType<typeof hdr.build>;

/** One hour in µs: anything slower is clamped (and is a failure by any threshold anyway). */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(significantDigits: 2 | 3 = 3): Histogram {
  return hdr.build({
    useWebAssembly: wasm,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: significantDigits,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

const ms = (us: number) => Math.round(us) / 1000;

/**
 * Count, mean and percentiles of a histogram. The max is read like the percentiles (the top of its
 * bucket), not the exact value recorded: a merged histogram (driver threads) knows only buckets, and
 * a figure must not depend on how many threads measured it.
 */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.getValueAtPercentile(100)),
  };
}

/** Add an encoded histogram's counts into `h` (merging what another thread or run measured). */
export function addEncoded(h: Histogram, encoded: string): void {
  const other = hdr.decodeFromCompressedBase64(encoded, 32, wasm);
  h.add(other);
  other.destroy();
}

/** Compressed base64 encoding (HdrHistogram's standard), so results can be merged or re-read later. */
export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}
