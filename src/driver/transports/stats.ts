/**
 * What a transport's connections did over a run: connects and their time, connections open at once,
 * reconnects (by the instance whose connection broke) and the time spent without a connection,
 * resent and repeated turns, conversations that gave up; and the driver's memory per open
 * connection, sampled while the run goes. Also the reconnect schedule: exponential backoff with
 * seeded jitter.
 */
import { performance } from 'node:perf_hooks';
import { type Histogram, newHistogram, recordMs, summarize } from '../../metrics/histogram.js';
import type { Connections } from '../../results/blocks.js';
import type { ReconnectSpec } from '../../scenario/transport.js';
import { round } from '../../util/numbers.js';
import { Prng } from '../../util/prng.js';

/**
 * Fewer connections than this open at once give no memory figure: their growth is lost in the
 * noise of the heap (histograms, compiled code), which would show as hundreds of KB per connection.
 */
export const MEMORY_MIN_OPEN = 1000;

export class ConnectionStats {
  connects = 0;
  open = 0;
  openMax = 0;
  reconnects = 0;
  readonly reconnectsByInstance: number[];
  disconnectedMs = 0;
  resent = 0;
  repeats = 0;
  abandoned = 0;
  private readonly connectMs: Histogram = newHistogram();
  private rssBase: number | undefined;
  private perConnection: number | null = null;
  private sampledOpen = 0;

  constructor(
    readonly transport: string,
    instances: number,
  ) {
    this.reconnectsByInstance = new Array<number>(instances).fill(0);
  }

  /** A connection opened after `ms`. */
  opened(ms: number): void {
    this.connects++;
    recordMs(this.connectMs, ms);
    if (++this.open > this.openMax) this.openMax = this.open;
  }

  closed(): void {
    this.open--;
  }

  /** A connection to `instance` broke and the conversation will reconnect. */
  broke(instance: number): void {
    this.reconnects++;
    if (instance >= 0 && instance < this.reconnectsByInstance.length) this.reconnectsByInstance[instance]!++;
  }

  /** Sample the driver's memory; the figure is taken where the most connections were open. */
  sample(rssBytes: number): void {
    if (this.rssBase === undefined) this.rssBase = rssBytes;
    if (this.open >= MEMORY_MIN_OPEN && this.open >= this.sampledOpen) {
      this.sampledOpen = this.open;
      const growth = rssBytes - this.rssBase;
      this.perConnection = growth > 0 ? Math.round(growth / this.open) : null;
    }
  }

  result(): Connections {
    return {
      transport: this.transport,
      connects: this.connects,
      connectMs: summarize(this.connectMs),
      openMax: this.openMax,
      reconnects: this.reconnects,
      reconnectsByInstance: [...this.reconnectsByInstance],
      disconnectedSec: round(this.disconnectedMs / 1000, 3),
      resent: this.resent,
      repeats: this.repeats,
      abandoned: this.abandoned,
      memoryPerConnectionBytes: this.perConnection,
    };
  }

  destroy(): void {
    this.connectMs.destroy();
  }
}

/** The waits of one conversation's reconnects: backoff × 2^(n−1), capped, less up to `jitter` of it. */
export class Backoff {
  private prng: Prng | undefined;
  /** Failed attempts since the connection was last up. */
  attempt = 0;

  constructor(
    private readonly spec: ReconnectSpec,
    private readonly seed: number,
    private readonly conversation: number,
  ) {}

  /** The wait before the next attempt, ms; undefined when the attempts are used up. */
  next(): number | undefined {
    if (this.attempt >= this.spec.attempts) return undefined;
    this.prng ??= new Prng(this.seed, `reconnect:${this.conversation}`);
    const base = Math.min(this.spec.maxBackoff, this.spec.backoff * 2 ** this.attempt++);
    return base * (1 - this.spec.jitter * this.prng.next());
  }

  /** The connection is up again. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Timers a transport can cancel all at once (abort), each resolving false when cancelled. */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, (ok: boolean) => void>();
  cancelled = false;

  wait(ms: number): Promise<boolean> {
    if (this.cancelled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve(true);
      }, ms);
      this.pending.set(t, resolve);
    });
  }

  cancel(): void {
    this.cancelled = true;
    for (const [t, resolve] of this.pending) {
      clearTimeout(t);
      resolve(false);
    }
    this.pending.clear();
  }
}

export const now = () => performance.now();
