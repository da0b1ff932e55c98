/**
 * The load of one backend's run, in the main thread or split over driver threads (`--workers`):
 * the same surface either way — the balancer the fault actions update, what was measured so far,
 * and at the end the drive's summary with how loaded each driver thread was.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type DriveSummary, drive } from '../driver/driver.js';
import { type ParallelDrive, driveParallel } from '../driver/parallel.js';
import { type Router, type RoutingName, createRouter } from '../driver/routing.js';
import { transports } from '../driver/transports/registry.js';
import type { PhasedRecorder } from '../metrics/phases.js';
import type { Recorder } from '../metrics/recorder.js';
import type { Scenario } from '../scenario/schema.js';

/** How loaded the driver was: its busiest thread's share of time and event-loop lag. */
export interface DriverLoad {
  workers: number;
  /** The busiest driver thread's event-loop utilization, 0..1. */
  utilization: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

export interface Driving {
  readonly router: Router;
  /** Start the load; `onStart` runs at its time 0. Resolves when the drive is over and merged. */
  start(onStart: () => void): Promise<{ summary: DriveSummary; load: DriverLoad }>;
  /** What was measured so far; `release` it when read. */
  live(): { recorder: Recorder; release(): void };
  close(): Promise<void>;
}

export interface DrivingOptions {
  scenario: Scenario;
  seed: number;
  targets: { host: string; port: number }[];
  routing: RoutingName;
  recorder: PhasedRecorder;
  workers: number;
  signal: AbortSignal;
}

/** The drive in this thread. */
function inThread(o: DrivingOptions): Driving {
  const transport = transports[o.scenario.load.transport]({
    targets: o.targets,
    requestTimeoutMs: o.scenario.load.requestTimeout,
  });
  const router = createRouter(o.routing, o.targets.length, o.seed);
  return {
    router,
    async start(onStart) {
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const elu = performance.eventLoopUtilization();
      try {
        const summary = await drive({
          scenario: o.scenario,
          seed: o.seed,
          transport,
          router,
          recorder: o.recorder,
          signal: o.signal,
          onStart,
        });
        const utilization = performance.eventLoopUtilization(elu).utilization;
        return {
          summary,
          load: { workers: 1, utilization, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 },
        };
      } finally {
        lag.disable();
      }
    },
    live: () => ({ recorder: o.recorder.overall, release: () => {} }),
    close: () => transport.close(),
  };
}

/** The drive split over `workers` threads. */
function inThreads(o: DrivingOptions): Driving {
  let parallel: ParallelDrive | undefined;
  const pending: [number, boolean][] = [];
  const router: Router = {
    pick: () => {
      throw new Error('conversations are routed in the driver threads');
    },
    setAlive: (index, alive) => (parallel ? parallel.router.setAlive(index, alive) : pending.push([index, alive])),
  };
  return {
    router,
    async start(onStart) {
      parallel = driveParallel({ ...o, windows: o.recorder.phases.map((p) => p.window), onStart });
      for (const [i, alive] of pending) parallel.router.setAlive(i, alive);
      const { summary, threads } = await parallel.done;
      const max = (f: (t: (typeof threads)[number]) => number) => Math.max(...threads.map(f));
      return {
        summary,
        load: {
          workers: o.workers,
          utilization: max((t) => t.utilization),
          lagP99Ms: max((t) => t.lagP99Ms),
          lagMaxMs: max((t) => t.lagMaxMs),
        },
      };
    },
    live: () => {
      if (!parallel) return { recorder: o.recorder.overall, release: () => {} };
      const recorder = parallel.live();
      return { recorder, release: () => recorder.destroy() };
    },
    close: async () => {
      await parallel?.done.catch(() => undefined);
    },
  };
}

export function startDriving(o: DrivingOptions): Driving {
  return o.workers > 1 ? inThreads(o) : inThread(o);
}
