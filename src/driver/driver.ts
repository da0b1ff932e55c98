/**
 * The load driver: an open model of conversation arrivals, each conversation a closed loop of turns
 * with think time. Latency is measured from the *intended* send time (no coordinated omission);
 * service time separately; late starts are counted. Every reply is scored by the oracle.
 *
 * After the last phase no conversation starts; running ones get `drain` to finish, then are cut
 * (their in-flight turns are not counted). An outer abort (Ctrl-C) cuts at once.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Router } from './routing.js';
import type { TurnResult } from '../metrics/recorder.js';
import type { Scenario } from '../scenario/schema.js';
import { SESSION_COOKIE } from '../service/cookies.js';
import { CookieJar } from './cookie-jar.js';
import { classify } from './oracle.js';
import { type ConversationPlan, arrivals, planConversation, timelineMs } from './workload.js';
import { DEFINITE_ERRORS, type Transport } from './transports/types.js';

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

/** Sleep until `at` (performance.now() time); false when aborted first. */
async function until(at: number, signal: AbortSignal): Promise<boolean> {
  const wait = at - performance.now();
  if (signal.aborted) return false;
  if (wait <= 0) return true;
  try {
    await sleep(wait, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export async function drive(opts: DriveOptions): Promise<DriveSummary> {
  const { scenario, recorder } = opts;
  const cut = new AbortController();
  // Every waiting conversation and in-flight request listens on this one signal.
  setMaxListeners(0, cut.signal);
  const onOuterAbort = () => cut.abort();
  opts.signal.addEventListener('abort', onOuterAbort, { once: true });
  const t0 = performance.now();
  opts.onStart?.();
  const measureStart = t0 + scenario.load.warmup;
  const running = new Set<Promise<void>>();
  let conversations = 0;
  let cutShort = 0;

  const converse = async (plan: ConversationPlan): Promise<void> => {
    const { historyTurns } = scenario.cluster.service;
    const jar = new CookieJar();
    const pending = new Set<string>();
    const affinity = `conversation-${plan.index}`;
    let expected: string[] = [];
    let intended = t0 + plan.startMs;
    recorder.conversationStarted(plan.measured);
    for (let k = 0; k < plan.turns.length; k++) {
      const turn = plan.turns[k]!;
      if (k > 0) intended += turn.thinkMs;
      if (!(await until(intended, cut.signal))) return void cutShort++;
      const sentAt = performance.now();
      const hadCookie = jar.has(SESSION_COOKIE);
      const turnId = `c${plan.index}t${k}`;
      const res = await opts.transport.send(
        opts.router.pick(affinity),
        jar,
        { turnId, message: turn.message, modelMs: turn.modelMs },
        cut.signal,
      );
      const doneAt = performance.now();
      if (!res.ok && res.kind === 'aborted') return void cutShort++;
      const base = {
        conversation: plan.index,
        measured: plan.measured,
        latencyMs: doneAt - intended,
        serviceMs: doneAt - sentAt,
        late: sentAt - intended > LATE_START_MS,
        hadContext: expected.length > 0,
        hadCookie,
        doneMs: doneAt - t0,
        intendedMs: intended - t0,
      };
      if (res.ok) {
        const v = classify(expected, res.reply.context, res.reply.created, pending, historyTurns);
        recorder.record({ ...base, outcome: v.outcome, lagTurns: v.lagTurns, recovered: v.recovered });
        // Carry on from what the service now holds, as a real user would.
        expected = [...res.reply.context, turnId];
        if (expected.length > historyTurns) expected.splice(0, expected.length - historyTurns);
        pending.clear();
      } else {
        const definite = DEFINITE_ERRORS.has(res.kind);
        if (!definite) pending.add(turnId);
        recorder.record({
          ...base,
          outcome: definite ? 'fail' : 'info',
          errorKind: res.kind,
          lagTurns: 0,
          recovered: 0,
        });
      }
      // The next turn's think time starts when this reply arrived.
      intended = doneAt;
    }
    opts.router.forget?.(affinity);
  };

  for (const arrival of arrivals(scenario.load, opts.seed)) {
    if (!(await until(t0 + arrival.atMs, cut.signal))) break;
    conversations++;
    const p: Promise<void> = converse(planConversation(scenario, opts.seed, arrival)).finally(() => running.delete(p));
    running.add(p);
  }
  if (!cut.signal.aborted) await until(t0 + timelineMs(scenario.load), cut.signal);
  // Drain: running conversations may finish, up to the deadline.
  if (running.size > 0 && !cut.signal.aborted) {
    const deadline = sleep(scenario.load.drain, undefined, { signal: cut.signal }).catch(() => {});
    await Promise.race([Promise.all(running), deadline]);
  }
  cut.abort();
  await Promise.all(running);
  opts.signal.removeEventListener('abort', onOuterAbort);
  return { conversations, cut: cutShort, windowMs: Math.max(performance.now() - measureStart, 1) };
}
