/**
 * A run's conversations split over worker threads (`--workers N`): conversation i goes to thread
 * i mod N, so the same seed gives the same conversations and turns whatever N is. Each thread
 * drives its share with its own connections and balancer (the balancer learns of dead instances by
 * message) and records into its own recorder; at the end the main thread merges every recorder
 * exactly (HDR histograms, counters, per-second series, phases) into its own.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PhaseWindow, PhasedRecorder, PhasedState } from '../metrics/phases.js';
import { Recorder, type RecorderState } from '../metrics/recorder.js';
import type { Connections } from '../results/blocks.js';
import type { Scenario } from '../scenario/schema.js';
import type { TransportSpec } from '../scenario/transport.js';
import type { DriveSummary } from './driver.js';
import type { Router, RoutingName } from './routing.js';

/** What every driver thread shares: the load, the instances and how turns reach them. */
export interface DriveShared {
  /** The scenario whose conversations are driven. */
  scenario: Scenario;
  /** Seed of the conversations and the routing. */
  seed: number;
  /** The instances, by index. */
  targets: { host: string; port: number }[];
  /** The balancer's policy. */
  routing: RoutingName;
  /** How turns reach the instances (the backend entry's transport, else the scenario's). */
  transport: TransportSpec;
  /** The phases' windows on the time line, for the per-phase figures. */
  windows: PhaseWindow[];
  /** Driver threads in all: conversation i is thread (i mod workers)'s. */
  workers: number;
}

/** What a driver thread is started with. */
export interface WorkerInput extends DriveShared {
  /** This thread's number, 0..workers-1. */
  index: number;
  /** Time 0 of the run, as performance.timeOrigin + performance.now() of the main thread. */
  startAt: number;
  progressEveryMs: number;
}

export type ToWorker = { type: 'alive'; index: number; alive: boolean } | { type: 'stop' };

type FromWorker =
  | { type: 'progress'; state: RecorderState }
  | {
      type: 'done';
      summary: DriveSummary;
      state: PhasedState;
      utilization: number;
      lagP99Ms: number;
      lagMaxMs: number;
      connections: Connections;
    };

/** How each driver thread fared: its share of the event loop's time, and its lag. */
export interface ThreadLoad {
  utilization: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

/** Turns per second one driver thread is given before the default adds another. */
const TURNS_PER_WORKER = 4000;

/**
 * The default number of driver threads: enough for the scenario's peak turn rate (arrivals per
 * second × turns per conversation) at TURNS_PER_WORKER each, at most one per core, at least one.
 */
export function defaultWorkers(scenario: Scenario): number {
  const peak = Math.max(...scenario.load.phases.map((p) => Math.max(p.arrivalRate, p.rampTo ?? 0)));
  const { min, max } = scenario.load.conversation.turns;
  return Math.max(1, Math.min(cpus().length, Math.ceil((peak * (min + max)) / 2 / TURNS_PER_WORKER)));
}

function workerEntry(): string {
  const entry = fileURLToPath(new URL('../../dist/driver/worker.js', import.meta.url));
  if (!existsSync(entry)) throw new Error(`driver worker ${entry} is missing: run \`npm run build\``);
  return entry;
}

/** A balancer that tells every driver thread: the fault actions' view of the routers. */
class BroadcastRouter implements Router {
  constructor(private readonly threads: readonly Worker[]) {}

  pick(): number {
    throw new Error('conversations are routed in the driver threads');
  }

  setAlive(index: number, alive: boolean): void {
    for (const t of this.threads) t.postMessage({ type: 'alive', index, alive } satisfies ToWorker);
  }
}

export interface ParallelDrive {
  /** The balancer the fault actions update (every thread hears of it). */
  router: Router;
  /** What the threads have measured so far, merged: for progress and abortOnFail. Destroy it. */
  live(): Recorder;
  /** Resolves when every thread is done and merged into the recorder. */
  done: Promise<{ summary: DriveSummary; threads: ThreadLoad[]; connections: Connections }>;
}

export interface ParallelOptions extends DriveShared {
  /** Where the threads' measurements merge. */
  recorder: PhasedRecorder;
  signal: AbortSignal;
  /** Called at time 0 of the run (the fault timeline starts here). */
  onStart?: () => void;
  progressEveryMs?: number;
}

/** Start N driver threads on the scenario; time 0 is a moment from now, the same in every thread. */
export function driveParallel(o: ParallelOptions): ParallelDrive {
  const entry = workerEntry();
  // Far enough ahead for every thread to start and connect before time 0.
  const startAt = performance.timeOrigin + performance.now() + 300;
  const latest: (RecorderState | undefined)[] = [];
  const threads = Array.from({ length: o.workers }, (_, index) => {
    const input: WorkerInput = {
      scenario: o.scenario,
      seed: o.seed,
      targets: o.targets,
      routing: o.routing,
      transport: o.transport,
      windows: o.windows,
      workers: o.workers,
      index,
      startAt,
      progressEveryMs: o.progressEveryMs ?? 1000,
    };
    return new Worker(entry, { workerData: input });
  });
  const stop = () => {
    for (const t of threads) t.postMessage({ type: 'stop' } satisfies ToWorker);
  };
  o.signal.addEventListener('abort', stop, { once: true });
  const startTimer = setTimeout(() => o.onStart?.(), startAt - performance.timeOrigin - performance.now());
  const finished = threads.map(
    (t, i) =>
      new Promise<Extract<FromWorker, { type: 'done' }>>((resolve, reject) => {
        t.on('message', (m: FromWorker) => {
          if (m.type === 'progress') latest[i] = m.state;
          else resolve(m);
        });
        t.on('error', reject);
        t.on('exit', (code) => reject(new Error(`driver thread ${i} ended (code ${code}) before it was done`)));
      }),
  );
  const done = Promise.all(finished)
    .then((results) => {
      for (const r of results) o.recorder.merge(r.state);
      const summary = {
        conversations: results.reduce((a, r) => a + r.summary.conversations, 0),
        cut: results.reduce((a, r) => a + r.summary.cut, 0),
        windowMs: Math.max(...results.map((r) => r.summary.windowMs)),
      };
      const loads = results.map((r) => ({ utilization: r.utilization, lagP99Ms: r.lagP99Ms, lagMaxMs: r.lagMaxMs }));
      return { summary, threads: loads, connections: mergeConnections(results.map((r) => r.connections)) };
    })
    .finally(async () => {
      clearTimeout(startTimer);
      o.signal.removeEventListener('abort', stop);
      await Promise.all(threads.map((t) => t.terminate()));
    });
  return {
    router: new BroadcastRouter(threads),
    live: () => {
      const r = new Recorder(false);
      for (const s of latest) if (s) r.merge(s);
      return r;
    },
    done,
  };
}

/** Connection figures of a transport with nothing to count yet. */
export function emptyConnections(transport: string, instances: number): Connections {
  const none = { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  return {
    transport,
    connects: 0,
    connectMs: none,
    openMax: 0,
    reconnects: 0,
    reconnectsByInstance: new Array<number>(instances).fill(0),
    disconnectedSec: 0,
    resent: 0,
    repeats: 0,
    abandoned: 0,
    memoryPerConnectionBytes: null,
  };
}

/**
 * The threads' connection figures added up. Connect times are the busiest thread's (its summary
 * is not mergeable), the most connections open is the sum of each thread's most (an upper bound),
 * and memory per connection is not measured per thread (null).
 */
function mergeConnections(all: Connections[]): Connections {
  const busiest = all.reduce((a, b) => (b.connects > a.connects ? b : a));
  const sum = (f: (c: Connections) => number) => all.reduce((a, c) => a + f(c), 0);
  return {
    transport: busiest.transport,
    connects: sum((c) => c.connects),
    connectMs: busiest.connectMs,
    openMax: sum((c) => c.openMax),
    reconnects: sum((c) => c.reconnects),
    reconnectsByInstance: busiest.reconnectsByInstance.map((_, i) => sum((c) => c.reconnectsByInstance[i] ?? 0)),
    disconnectedSec: Math.round(sum((c) => c.disconnectedSec) * 1000) / 1000,
    resent: sum((c) => c.resent),
    repeats: sum((c) => c.repeats),
    abandoned: sum((c) => c.abandoned),
    memoryPerConnectionBytes: null,
  };
}
