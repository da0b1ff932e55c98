/**
 * The load driver: an open model of conversation arrivals, each conversation a closed loop of turns
 * with think time. Latency is measured from the *intended* send time (no coordinated omission);
 * service time separately; late starts are counted. Every reply is scored by the oracle.
 *
 * After the last phase no conversation starts; running ones get `drain` to finish, then are cut
 * (their in-flight turns are not counted). An outer abort (Ctrl-C) cuts at once.
 *
 * A turn is the hot path of a run, so it allocates little and registers nothing per turn: waits are
 * plain timers a cut cancels together (no AbortSignal listener per wait or request), and a cut
 * aborts the transport's turns in flight at once.
 */
import { performance } from 'node:perf_hooks';
import type { TurnResult } from '../metrics/recorder.js';
import type { Scenario } from '../scenario/schema.js';
import { SESSION_COOKIE } from '../service/cookies.js';
import { CookieJar } from './cookie-jar.js';
import { classify } from './oracle.js';
import type { Router } from './routing.js';
import { DEFINITE_ERRORS, type Transport, type TurnTiming, resetTiming } from './transports/types.js';
import type { HistoryEntry, TurnRequest } from '../service/protocol.js';
import { type ConversationPlan, arrivals, planConversation, timelineMs } from './workload.js';

/** A turn sent later than intended by more than this counts as a late start. */
export const LATE_START_MS = 10;

export interface DriveOptions {
  scenario: Scenario;
  seed: number;
  /** Opens a link per conversation; routes through `router` itself. */
  transport: Transport;
  router: Router & { forget?(key: string): void };
  recorder: TurnSink;
  /** Aborts the whole run (interrupt). */
  signal: AbortSignal;
  /** Called at the start of the load (time 0 of the timeline), before the first arrival. */
  onStart?: () => void;
  /** Only the conversations this returns true for (a worker's share); all when absent. */
  mine?: (index: number) => boolean;
}

/** Where the driver puts what it measured. */
export interface TurnSink {
  conversationStarted(measured: boolean): void;
  record(r: TurnResult): void;
}

export interface DriveSummary {
  conversations: number;
  /** Conversations still running at the drain deadline (or the interrupt), cut short. */
  cut: number;
  /** Measurement window: from the end of warmup to the end of the drain, ms. */
  windowMs: number;
}

/** Waits that one `cancel` ends together, each resolving false. */
class Waits {
  private readonly timers = new Map<NodeJS.Timeout, (ok: boolean) => void>();
  cancelled = false;

  /** Resolves true at `at` (a performance.now() time), false when cancelled first. */
  until(at: number): Promise<boolean> {
    const ms = at - performance.now();
    if (this.cancelled) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(true);
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  cancel(): void {
    this.cancelled = true;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve(false);
    }
    this.timers.clear();
  }
}

export async function drive(opts: DriveOptions): Promise<DriveSummary> {
  const { scenario, recorder, transport, router } = opts;
  const { historyTurns } = scenario.cluster.service;
  const waits = new Waits();
  const cut = () => {
    if (waits.cancelled) return;
    waits.cancel();
    transport.abort();
  };
  opts.signal.addEventListener('abort', cut, { once: true });
  if (opts.signal.aborted) cut();
  const t0 = performance.now();
  opts.onStart?.();
  const measureStart = t0 + scenario.load.warmup;
  const running = new Set<Promise<void>>();
  let conversations = 0;
  let cutShort = 0;

  const resendHistory = scenario.load.onLostContext === 'resend-history';
  const converse = async (plan: ConversationPlan): Promise<void> => {
    const jar = new CookieJar();
    const affinity = `conversation-${plan.index}`;
    const link = transport.open({ index: plan.index, jar, affinity });
    const timing: TurnTiming = { firstAt: 0, lastAt: 0, tokens: 0, gaps: [], requests: 0 };
    let pending: Set<string> | undefined;
    let expected: string[] = [];
    let intended = t0 + plan.startMs;
    recorder.conversationStarted(plan.measured);
    for (let k = 0; k < plan.turns.length; k++) {
      const turn = plan.turns[k]!;
      if (k > 0) intended += turn.thinkMs;
      if (!(await waits.until(intended))) return void cutConversation(link);
      const sentAt = performance.now();
      const hadCookie = jar.has(SESSION_COOKIE);
      const turnId = `c${plan.index}t${k}`;
      const req: TurnRequest = {
        turnId,
        message: turn.message,
        modelMs: turn.modelMs,
        replySeed: turn.replySeed,
        ...turn.stream,
      };
      resetTiming(timing);
      let res = await link.send(req, timing);
      if (res.ok && resendHistory && expected.length > 0 && (res.reply.created || res.reply.context.length === 0)) {
        // Lost: send the turn again with the whole conversation, as a client of a stateless API would.
        req.history = historyOf(plan, expected);
        const requests = timing.requests;
        resetTiming(timing);
        res = await link.send(req, timing);
        timing.requests += requests;
        if (res.ok) res.reply.created = true;
      }
      const doneAt = performance.now();
      if (!res.ok && res.kind === 'aborted') return void cutConversation(link);
      if (res.ok && res.reply.repeat) transport.stats.repeats++;
      const r: TurnResult = {
        conversation: plan.index,
        measured: plan.measured,
        outcome: 'intact',
        latencyMs: doneAt - intended,
        serviceMs: doneAt - sentAt,
        late: sentAt - intended > LATE_START_MS,
        hadContext: expected.length > 0,
        hadCookie,
        lagTurns: 0,
        recovered: 0,
        doneMs: doneAt - t0,
        intendedMs: intended - t0,
        requests: timing.requests,
        tokens: timing.tokens,
      };
      if (res.ok) {
        // A reply without tokens (not streamed) arrived whole: its first and last token are the reply.
        r.ttftMs = (timing.tokens > 0 ? timing.firstAt : doneAt) - intended;
        r.ttltMs = (timing.tokens > 0 ? timing.lastAt : doneAt) - intended;
        r.gaps = timing.gaps;
        r.deliveryMs = Math.max(0, doneAt - sentAt - res.reply.handledMs);
        const v = classify(expected, res.reply.context, res.reply.created, pending ?? EMPTY, historyTurns);
        r.outcome = v.outcome;
        r.lagTurns = v.lagTurns;
        r.recovered = v.recovered;
        // Carry on from what the service now holds, as a real user would.
        expected = res.reply.context;
        expected.push(turnId);
        if (expected.length > historyTurns) expected.splice(0, expected.length - historyTurns);
        pending?.clear();
      } else {
        const definite = DEFINITE_ERRORS.has(res.kind);
        if (!definite) {
          pending ??= new Set();
          pending.add(turnId);
        }
        r.outcome = definite ? 'fail' : 'info';
        r.errorKind = res.kind;
      }
      recorder.record(r);
      // The next turn's think time starts when this reply arrived.
      intended = doneAt;
    }
    link.close();
    router.forget?.(affinity);
  };
  const cutConversation = (link: { close(): void }) => {
    cutShort++;
    link.close();
  };

  for (const arrival of arrivals(scenario.load, opts.seed)) {
    if (!(await waits.until(t0 + arrival.atMs))) break;
    if (opts.mine && !opts.mine(arrival.index)) continue;
    conversations++;
    const p: Promise<void> = converse(planConversation(scenario, opts.seed, arrival)).finally(() => running.delete(p));
    running.add(p);
  }
  await waits.until(t0 + timelineMs(scenario.load));
  // Drain: running conversations may finish, up to the deadline.
  if (running.size > 0 && !waits.cancelled) {
    const deadline = waits.until(performance.now() + scenario.load.drain);
    await Promise.race([Promise.all(running), deadline]);
  }
  cut();
  await Promise.all(running);
  opts.signal.removeEventListener('abort', cut);
  return { conversations, cut: cutShort, windowMs: Math.max(performance.now() - measureStart, 1) };
}

const EMPTY: ReadonlySet<string> = new Set();

/** The conversation so far as a client would send it again: the acknowledged turns' messages. */
function historyOf(plan: ConversationPlan, ids: readonly string[]): HistoryEntry[] {
  return ids.map((id) => ({ id, user: plan.turns[Number(id.slice(id.lastIndexOf('t') + 1))]?.message ?? '' }));
}
