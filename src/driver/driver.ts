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
import { DEFINITE_ERRORS, type Transport } from './transports/types.js';
import { type ConversationPlan, arrivals, planConversation, timelineMs } from './workload.js';

/** A turn sent later than intended by more than this counts as a late start. */
export const LATE_START_MS = 10;

export interface DriveOptions {
  scenario: Scenario;
  seed: number;
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

  const converse = async (plan: ConversationPlan): Promise<void> => {
    const jar = new CookieJar();
    const affinity = `conversation-${plan.index}`;
    let pending: Set<string> | undefined;
    let expected: string[] = [];
    let intended = t0 + plan.startMs;
    recorder.conversationStarted(plan.measured);
    for (let k = 0; k < plan.turns.length; k++) {
      const turn = plan.turns[k]!;
      if (k > 0) intended += turn.thinkMs;
      if (!(await waits.until(intended))) return void cutShort++;
      const sentAt = performance.now();
      const hadCookie = jar.has(SESSION_COOKIE);
      const turnId = `c${plan.index}t${k}`;
      const res = await transport.send(router.pick(affinity), jar, {
        turnId,
        message: turn.message,
        modelMs: turn.modelMs,
      });
      const doneAt = performance.now();
      if (!res.ok && res.kind === 'aborted') return void cutShort++;
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
      };
      if (res.ok) {
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
    router.forget?.(affinity);
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
