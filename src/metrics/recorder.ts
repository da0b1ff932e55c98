/**
 * Collects the turns of one backend's run: histograms of successful-turn latency (from the
 * intended send time) and service time, counters per outcome and error kind, sessions with a lost
 * turn, and a per-second series. `record` is on the hot path: counters and one or two histogram
 * writes, nothing else.
 */
import type { LatencySummary, Outcome } from '../results/blocks.js';
import type { SecondStats } from '../results/schema.js';
import { type Histogram, addEncoded, encode, newHistogram, recordMs, summarize } from './histogram.js';

/** One turn as the driver saw it. */
export interface TurnResult {
  conversation: number;
  measured: boolean;
  outcome: Outcome;
  errorKind?: string;
  /** From the intended send time to the reply, ms. */
  latencyMs: number;
  /** From the actual send to the reply, ms. */
  serviceMs: number;
  /** The turn was sent later than intended by more than the late-start threshold. */
  late: boolean;
  /** The driver expected a non-empty context. */
  hadContext: boolean;
  /** A session cookie went with the request. */
  hadCookie: boolean;
  lagTurns: number;
  recovered: number;
  /** Completion time, ms from the start of the load (warmup included): decides the second of the series. */
  doneMs: number;
  /** Intended send time, ms since the start of the load (warmup included): decides the phase. */
  intendedMs: number;
  /** HTTP requests (or WebSocket messages) the turn took. */
  requests?: number;
  /** Tokens received. */
  tokens?: number;
  /** Successful turns: time to the first token, from the intended send time, ms. */
  ttftMs?: number;
  /** Successful turns: time to the last token, from the intended send time, ms. */
  ttltMs?: number;
  /** Successful turns: gaps between tokens, ms (read during `record` only: the driver reuses it). */
  gaps?: readonly number[];
  /** Successful turns: from the actual send to the reply, less the service's own time, ms. */
  deliveryMs?: number;
}

interface SecondBucket {
  counts: Record<Outcome, number>;
  hist: Histogram;
}

/** All a recorder holds, as plain data (histograms encoded): what a worker thread sends back. */
export interface RecorderState {
  latency: string;
  service: string;
  failed: string;
  /** Token timing and delivery: ttft, ttlt, token gap, delivery delay. */
  delivery: [ttft: string, ttlt: string, tokenGap: string, delivery: string];
  /** Tokens received, requests sent, turns with a reply. */
  traffic: [tokens: number, requests: number, replies: number];
  counts: Record<Outcome, number>;
  errors: Record<string, number>;
  tallies: [
    turnsWithContext: number,
    lateStarts: number,
    staleLagTurns: number,
    recovered: number,
    allTurns: number,
    allTurnsWithCookie: number,
    sessions: number,
  ];
  lostSessions: number[];
  conversations: number[];
  /** Per second: [t, counts, encoded histogram]. */
  seconds: [number, Record<Outcome, number>, string][];
}

const zeroCounts = (): Record<Outcome, number> => ({ intact: 0, lost: 0, stale: 0, diverged: 0, fail: 0, info: 0 });

export class Recorder {
  readonly latency = newHistogram();
  readonly service = newHistogram();
  /** Failed turns (fail, info), from the intended send time: how long an error took. */
  readonly failed = newHistogram();
  readonly ttft = newHistogram();
  readonly ttlt = newHistogram();
  readonly tokenGap = newHistogram();
  readonly delivery = newHistogram();
  /** Tokens received, requests sent, turns with a reply (for messages per second). */
  tokens = 0;
  requests = 0;
  replies = 0;
  readonly counts = zeroCounts();
  readonly errors: Record<string, number> = {};
  turnsWithContext = 0;
  lateStarts = 0;
  staleLagTurns = 0;
  recovered = 0;
  /** Every turn of the run, warmup included (Redis counts everything). */
  allTurns = 0;
  allTurnsWithCookie = 0;
  sessions = 0;
  readonly lostSessions = new Set<number>();
  /** Conversations with at least one measured turn here. */
  readonly conversations = new Set<number>();
  private readonly seconds: SecondBucket[] = [];

  /** @param withSeries keep a per-second series (the whole run's recorder does; phase recorders don't) */
  constructor(private readonly withSeries = true) {}

  conversationStarted(measured: boolean): void {
    if (measured) this.sessions++;
  }

  record(r: TurnResult): void {
    this.allTurns++;
    if (r.hadCookie) this.allTurnsWithCookie++;
    if (!r.measured) return;
    this.counts[r.outcome]++;
    this.conversations.add(r.conversation);
    if (r.hadContext) this.turnsWithContext++;
    if (r.late) this.lateStarts++;
    this.recovered += r.recovered;
    if (r.errorKind) this.errors[r.errorKind] = (this.errors[r.errorKind] ?? 0) + 1;
    if (r.outcome === 'lost') this.lostSessions.add(r.conversation);
    else if (r.outcome === 'stale') this.staleLagTurns += r.lagTurns;
    const ok = r.outcome !== 'fail' && r.outcome !== 'info';
    this.requests += r.requests ?? 0;
    this.tokens += r.tokens ?? 0;
    if (ok) {
      recordMs(this.latency, r.latencyMs);
      recordMs(this.service, r.serviceMs);
      this.replies++;
      if (r.ttftMs !== undefined) recordMs(this.ttft, r.ttftMs);
      if (r.ttltMs !== undefined) recordMs(this.ttlt, r.ttltMs);
      if (r.deliveryMs !== undefined) recordMs(this.delivery, r.deliveryMs);
      if (r.gaps) for (const g of r.gaps) recordMs(this.tokenGap, g);
    } else {
      recordMs(this.failed, r.latencyMs);
    }
    if (!this.withSeries) return;
    const sec = Math.max(0, Math.floor(r.doneMs / 1000));
    let bucket = this.seconds[sec];
    if (!bucket) bucket = this.seconds[sec] = { counts: zeroCounts(), hist: newHistogram(2) };
    bucket.counts[r.outcome]++;
    if (ok) recordMs(bucket.hist, r.latencyMs);
  }

  /** Measured turns so far. */
  get turns(): number {
    let n = 0;
    for (const k in this.counts) n += this.counts[k as Outcome];
    return n;
  }

  latencySummary(): LatencySummary {
    return summarize(this.latency);
  }

  serviceSummary(): LatencySummary {
    return summarize(this.service);
  }

  failedSummary(): LatencySummary {
    return summarize(this.failed);
  }

  encodedLatency(): string {
    return encode(this.latency);
  }

  series(): SecondStats[] {
    const out: SecondStats[] = [];
    for (let t = 0; t < this.seconds.length; t++) {
      const b = this.seconds[t];
      const counts = b?.counts ?? zeroCounts();
      const s = b ? summarize(b.hist) : undefined;
      let turns = 0;
      for (const k in counts) turns += counts[k as Outcome];
      out.push({ t, turns, ...counts, p50: s?.p50 ?? null, p99: s?.p99 ?? null });
    }
    return out;
  }

  /** Everything recorded so far, as plain data; without the per-second series when `withSeries` is false. */
  state(withSeries = true): RecorderState {
    const seconds: RecorderState['seconds'] = [];
    if (withSeries) {
      for (const [t, b] of this.seconds.entries()) if (b) seconds.push([t, { ...b.counts }, encode(b.hist)]);
    }
    return {
      latency: encode(this.latency),
      service: encode(this.service),
      failed: encode(this.failed),
      delivery: [encode(this.ttft), encode(this.ttlt), encode(this.tokenGap), encode(this.delivery)],
      traffic: [this.tokens, this.requests, this.replies],
      counts: { ...this.counts },
      errors: { ...this.errors },
      tallies: [
        this.turnsWithContext,
        this.lateStarts,
        this.staleLagTurns,
        this.recovered,
        this.allTurns,
        this.allTurnsWithCookie,
        this.sessions,
      ],
      lostSessions: [...this.lostSessions],
      conversations: [...this.conversations],
      seconds,
    };
  }

  /** Add what another recorder (another thread's share of the same run) recorded: exact, histograms included. */
  merge(s: RecorderState): void {
    addEncoded(this.latency, s.latency);
    addEncoded(this.service, s.service);
    addEncoded(this.failed, s.failed);
    const delivery = [this.ttft, this.ttlt, this.tokenGap, this.delivery];
    for (let i = 0; i < delivery.length; i++) addEncoded(delivery[i]!, s.delivery[i]!);
    this.tokens += s.traffic[0];
    this.requests += s.traffic[1];
    this.replies += s.traffic[2];
    for (const k of Object.keys(s.counts) as Outcome[]) this.counts[k] += s.counts[k];
    for (const [k, v] of Object.entries(s.errors)) this.errors[k] = (this.errors[k] ?? 0) + v;
    const [withContext, late, lag, recovered, all, allCookie, sessions] = s.tallies;
    this.turnsWithContext += withContext;
    this.lateStarts += late;
    this.staleLagTurns += lag;
    this.recovered += recovered;
    this.allTurns += all;
    this.allTurnsWithCookie += allCookie;
    this.sessions += sessions;
    for (const c of s.lostSessions) this.lostSessions.add(c);
    for (const c of s.conversations) this.conversations.add(c);
    if (!this.withSeries) return;
    for (const [t, counts, hist] of s.seconds) {
      let bucket = this.seconds[t];
      if (!bucket) {
        bucket = { counts: zeroCounts(), hist: newHistogram(2) };
        this.seconds[t] = bucket;
      }
      for (const k of Object.keys(counts) as Outcome[]) bucket.counts[k] += counts[k];
      addEncoded(bucket.hist, hist);
    }
  }

  /** Free the histograms' native memory. The recorder is unusable afterwards. */
  destroy(): void {
    for (const h of [this.ttft, this.ttlt, this.tokenGap, this.delivery]) h.destroy();
    this.latency.destroy();
    this.service.destroy();
    this.failed.destroy();
    for (const b of this.seconds) b?.hist.destroy();
    this.seconds.length = 0;
  }
}
