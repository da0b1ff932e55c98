/**
 * The turn loop of drive() on a clock the test owns: latency from the intended send time, late
 * starts, think time from the reply, drain and cut, interrupts, error kinds and recovered turns,
 * warmup, routing, and that the seed alone decides the conversations.
 *
 * The driver reads time from node:perf_hooks and sleeps with node:timers/promises; both are routed
 * here to the globals that vitest's fake timers replace. `skewMs` moves the driver's clock ahead of
 * its timers: a timer that fires `skewMs` late, as when the driver's event loop was blocked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let skewMs = 0;

vi.mock('node:perf_hooks', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:perf_hooks')>();
  return { ...real, performance: { now: () => globalThis.performance.now() + skewMs } };
});

vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:timers/promises')>();
  const sleep = <T>(ms: number, value?: T, opts: { signal?: AbortSignal } = {}) =>
    new Promise<T | undefined>((resolve, reject) => {
      const { signal } = opts;
      if (signal?.aborted) return reject(signal.reason);
      const abort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve(value);
      }, ms);
      signal?.addEventListener('abort', abort, { once: true });
    });
  return { ...real, setTimeout: sleep };
});

const { drive } = await import('../../../src/driver/driver.js');
const { parseScenario } = await import('../../../src/scenario/parse.js');
const { ConnectionStats } = await import('../../../src/driver/transports/stats.js');
type ConversationRef = import('../../../src/driver/transports/types.js').ConversationRef;
type ConversationLink = import('../../../src/driver/transports/types.js').ConversationLink;
type TurnResult = import('../../../src/metrics/recorder.js').TurnResult;
type Transport = import('../../../src/driver/transports/types.js').Transport;
type WireResult = import('../../../src/driver/transports/types.js').WireResult;
type ErrorKind = import('../../../src/driver/transports/types.js').ErrorKind;
type TurnRequest = import('../../../src/service/protocol.js').TurnRequest;
type CookieJar = import('../../../src/driver/cookie-jar.js').CookieJar;

/** What the fake service does with one turn: its service time and, optionally, an error. */
interface Behaviour {
  delayMs: number;
  error?: ErrorKind;
  /** With an indeterminate error: the turn was stored anyway. */
  stored?: boolean;
}

/** One shared session store behind every instance (like Redis): contexts are always complete. */
class FakeService implements Transport {
  readonly sessions = new Map<string, string[]>();
  readonly sent: { at: number; instance: number; req: TurnRequest }[] = [];
  /** The fake clock's reading when the service was made: `sent[].at` counts from here. */
  private readonly t0 = globalThis.performance.now();
  behaviour: (req: TurnRequest) => Behaviour = () => ({ delayMs: 50 });
  /** The balancer, set by start(). */
  route: (affinity: string) => number = () => 0;
  readonly stats = new ConnectionStats('fake', 4);

  open(c: ConversationRef): ConversationLink {
    return {
      send: (req, timing) => {
        timing.requests = 1;
        return this.send(this.route(c.affinity), c.jar, req);
      },
      close: () => {},
    };
  }

  /** Requests in flight: `abort` ends each with false. */
  private readonly pending = new Set<(finished: boolean) => void>();

  async send(instance: number, jar: CookieJar, req: TurnRequest): Promise<WireResult> {
    this.sent.push({ at: globalThis.performance.now() - this.t0, instance, req });
    const b = this.behaviour(req);
    const finished = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(t);
        this.pending.delete(done);
        resolve(ok);
      };
      const t = setTimeout(() => done(true), b.delayMs);
      this.pending.add(done);
    });
    if (!finished) return { ok: false, kind: 'aborted' };
    let sid = /sb_sid=([^;]+)/.exec(jar.header() ?? '')?.[1];
    const created = sid === undefined || !this.sessions.has(sid);
    if (created) {
      sid = `s${this.sessions.size}`;
      this.sessions.set(sid, []);
      jar.store(`sb_sid=${sid}; Path=/`);
    }
    const history = this.sessions.get(sid!)!;
    const context = [...history];
    if (!b.error || b.stored) history.push(req.turnId);
    if (b.error) return { ok: false, kind: b.error };
    const reply = { turnId: req.turnId, created, version: context.length, context, instance, reply: 'r' };
    return { ok: true, reply: { ...reply, tokens: 1, handledMs: 0, repeat: false } };
  }

  abort(): void {
    for (const done of [...this.pending]) done(false);
  }

  async close(): Promise<void> {}
}

class Sink {
  readonly turns: TurnResult[] = [];
  readonly started: boolean[] = [];
  conversationStarted(measured: boolean): void {
    this.started.push(measured);
  }
  record(r: TurnResult): void {
    this.turns.push(r);
  }
  of(conversation: number): TurnResult[] {
    return this.turns.filter((t) => t.conversation === conversation);
  }
}

class RecordingRouter {
  readonly picks: string[] = [];
  readonly forgotten: string[] = [];
  pick(key: string): number {
    this.picks.push(key);
    return this.picks.length % 2;
  }
  setAlive(): void {}
  forget(key: string): void {
    this.forgotten.push(key);
  }
}

/** Two conversations (arriving at 250 ms and 750 ms) of three turns, 100 ms think time. */
function scenario(extra: { warmup?: string; drain?: string; turns?: string; modelTime?: string; messageBytes?: string; rate?: number } = {}) {
  return parseScenario(
    `name: d
cluster: { instances: 2, service: { modelTime: "${extra.modelTime ?? '10ms'}" } }
load:
  warmup: ${extra.warmup ?? '0s'}
  phases: [{ duration: 1s, arrivalRate: ${extra.rate ?? 2} }]
  conversation: { turns: ${extra.turns ?? '3'}, thinkTime: 100ms, messageBytes: ${extra.messageBytes ?? '10'} }
  drain: ${extra.drain ?? '2s'}
`,
    'd.yaml',
  );
}

function start(opts: { service?: FakeService; sink?: Sink; router?: RecordingRouter; signal?: AbortSignal; seed?: number; s?: ReturnType<typeof scenario> }) {
  const service = opts.service ?? new FakeService();
  const sink = opts.sink ?? new Sink();
  const router = opts.router ?? new RecordingRouter();
  service.route = (affinity) => router.pick(affinity);
  let done: Awaited<ReturnType<typeof drive>> | undefined;
  const promise = drive({
    scenario: opts.s ?? scenario(),
    seed: opts.seed ?? 1,
    transport: service,
    router,
    recorder: sink,
    signal: opts.signal ?? new AbortController().signal,
  }).then((s) => (done = s));
  return { service, sink, router, promise, summary: () => done };
}

beforeEach(() => {
  skewMs = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'Date'] });
});
afterEach(() => vi.useRealTimers());

describe('drive', () => {
  it('sends each turn at its intended time: arrival first, then think time from the previous reply', async () => {
    const { sink, service } = start({});
    await vi.advanceTimersByTimeAsync(5000);
    // Conversation 0 arrives at 250 ms; each reply takes 50 ms, then 100 ms of think time.
    expect(sink.of(0).map((t) => t.intendedMs)).toEqual([250, 400, 550]);
    expect(sink.of(1).map((t) => t.intendedMs)).toEqual([750, 900, 1050]);
    expect(service.sent.map((s) => s.at)).toEqual([250, 400, 550, 750, 900, 1050]);
    for (const t of sink.turns) {
      expect(t).toMatchObject({ outcome: 'intact', latencyMs: 50, serviceMs: 50, late: false });
    }
    // Completion times on the measurement's time line (no warmup: the same origin).
    expect(sink.of(0).map((t) => t.doneMs)).toEqual([300, 450, 600]);
  });

  it('measures latency from the intended send time: a turn sent late carries its delay and counts as late', async () => {
    const { sink } = start({});
    // At 700 ms the driver's clock jumps 100 ms ahead of its timers: conversation 1's first turn,
    // intended at 750 ms, goes out at 850 ms.
    setTimeout(() => (skewMs = 100), 700);
    await vi.advanceTimersByTimeAsync(5000);
    const [first, second] = sink.of(1);
    expect(first!.intendedMs).toBe(750);
    expect(first!.serviceMs).toBe(50);
    expect(first!.latencyMs).toBe(150);
    expect(first!.late).toBe(true);
    // The next turn is planned from when the reply arrived: on time again.
    expect(second!.late).toBe(false);
    expect(second!.latencyMs).toBe(50);
    // A start late by less than the threshold is not a late start.
    expect(sink.of(0).every((t) => !t.late)).toBe(true);
  });

  it('a late start just within the threshold is not counted late', async () => {
    const { sink } = start({});
    setTimeout(() => (skewMs = 10), 700);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.of(1)[0]).toMatchObject({ latencyMs: 60, serviceMs: 50, late: false });
  });

  it('ends at the end of the timeline when every conversation is done, without waiting for the drain', async () => {
    const { summary } = start({});
    await vi.advanceTimersByTimeAsync(1099);
    expect(summary()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    // The last reply arrives at 1100 ms, the timeline ends at 1000 ms: done at 1100 ms.
    expect(summary()).toEqual({ conversations: 2, cut: 0, windowMs: 1100 });
  });

  it('gives running conversations the drain, then cuts them: in-flight and waiting turns are not recorded', async () => {
    const service = new FakeService();
    // Conversation 1's second turn takes 10 s: still in flight at the drain deadline (1 s + 500 ms).
    service.behaviour = (req) => ({ delayMs: req.turnId === 'c1t1' ? 10_000 : 50 });
    const { sink, summary } = start({ service, s: scenario({ drain: '500ms' }) });
    await vi.advanceTimersByTimeAsync(1499);
    expect(summary()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    expect(summary()).toEqual({ conversations: 2, cut: 1, windowMs: 1500 });
    expect(sink.turns.map((t) => `${t.conversation}:${t.intendedMs}`)).toEqual(['0:250', '0:400', '0:550', '1:750']);
    // Nothing else happens after the cut.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sink.turns).toHaveLength(4);
  });

  it('cuts a conversation that is thinking at the drain deadline', async () => {
    // Replies take 200 ms; the drain ends while conversation 1 waits for its third turn.
    const service = new FakeService();
    service.behaviour = () => ({ delayMs: 200 });
    const { sink, summary } = start({ service, s: scenario({ drain: '330ms' }) });
    await vi.advanceTimersByTimeAsync(5000);
    // Conversation 1: sent at 750 (reply 950), 1050 (reply 1250); its third turn would go at 1350.
    expect(summary()).toEqual({ conversations: 2, cut: 1, windowMs: 1330 });
    expect(sink.of(1)).toHaveLength(2);
  });

  it('stops at once on the outer signal: no new arrival, the turn in flight is dropped', async () => {
    const abort = new AbortController();
    const { sink, summary, service } = start({ signal: abort.signal });
    setTimeout(() => abort.abort(), 420);
    await vi.advanceTimersByTimeAsync(421);
    expect(summary()).toEqual({ conversations: 1, cut: 1, windowMs: 420 });
    expect(sink.turns.map((t) => t.intendedMs)).toEqual([250]);
    expect(service.sent).toHaveLength(2);
  });

  it('scores definite errors as fail and indeterminate ones as info; a stored info turn counts as recovered later', async () => {
    const service = new FakeService();
    service.behaviour = (req) =>
      req.turnId === 'c0t1' ? { delayMs: 50, error: 'reset', stored: true } : req.turnId === 'c1t1' ? { delayMs: 50, error: 'refused' } : { delayMs: 50 };
    const { sink } = start({ service });
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.of(0).map((t) => [t.outcome, t.errorKind, t.recovered])).toEqual([
      ['intact', undefined, 0],
      ['info', 'reset', 0],
      // The service stored c0t1 after all: the context shows it, nothing is diverged.
      ['intact', undefined, 1],
    ]);
    expect(sink.of(1).map((t) => [t.outcome, t.errorKind])).toEqual([
      ['intact', undefined],
      ['fail', 'refused'],
      ['intact', undefined],
    ]);
    // Failed turns are timed like the others.
    expect(sink.of(0)[1]!.latencyMs).toBe(50);
    // A turn carries whether context and a session cookie went with it.
    expect(sink.of(0).map((t) => [t.hadContext, t.hadCookie])).toEqual([[false, false], [true, true], [true, true]]);
  });

  it('does not measure conversations that arrive during warmup, but runs them', async () => {
    const { sink, service } = start({ s: scenario({ warmup: '500ms' }) });
    await vi.advanceTimersByTimeAsync(5000);
    // Warmup at the first phase's rate: one arrival at 250 ms (warmup), then 750 and 1250 ms.
    expect(sink.started).toEqual([false, true, true]);
    expect(sink.of(0).every((t) => !t.measured)).toBe(true);
    expect(sink.of(1).every((t) => t.measured)).toBe(true);
    expect(service.sent).toHaveLength(9);
    // Completion times count from the start of the load, warmup included (the faults' time line).
    expect(sink.of(1)[0]!.doneMs).toBe(750 + 50);
  });

  it('asks the router for every turn with the conversation\'s affinity key and forgets it at the end', async () => {
    const { router, service } = start({});
    await vi.advanceTimersByTimeAsync(5000);
    expect(router.picks).toEqual(['conversation-0', 'conversation-0', 'conversation-0', 'conversation-1', 'conversation-1', 'conversation-1']);
    expect(service.sent.map((s) => s.instance)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(router.forgotten).toEqual(['conversation-0', 'conversation-1']);
  });

  it('sends the same conversations for the same seed, and other ones for another seed', async () => {
    const s = scenario({ turns: '2..6', modelTime: 'lognormal(80ms, 30ms)', messageBytes: '10..300', rate: 8 });
    const requests = async (seed: number) => {
      const run = start({ s, seed });
      await vi.advanceTimersByTimeAsync(60_000);
      return run.service.sent.map((x) => x.req).sort((a, b) => a.turnId.localeCompare(b.turnId));
    };
    const a = await requests(5);
    expect(a.length).toBeGreaterThan(8 * 2);
    expect(await requests(5)).toEqual(a);
    const other = await requests(6);
    expect(other.map((r) => [r.turnId, r.message.length, r.modelMs])).not.toEqual(a.map((r) => [r.turnId, r.message.length, r.modelMs]));
  });
});
