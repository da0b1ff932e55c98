/**
 * The load of one backend's run, in the main thread or split over driver threads (`--workers`):
 * the same surface either way — the balancer the fault actions update, what was measured so far,
 * and at the end the drive's summary with how loaded each driver thread was.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type DriveSummary, drive } from '../driver/driver.js';
import { type ParallelDrive, driveParallel, emptyConnections } from '../driver/parallel.js';
import { type Router, type RoutingName, createRouter } from '../driver/routing.js';
import { transports } from '../driver/transports/registry.js';
import type { PhasedRecorder } from '../metrics/phases.js';
import type { Recorder } from '../metrics/recorder.js';
import type { Connections } from '../results/blocks.js';
import type { Scenario } from '../scenario/schema.js';
import type { TransportSpec } from '../scenario/transport.js';

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
  /** What the transport's connections did (after `start` resolved). */
  connections(): Connections;
  close(): Promise<void>;
}

export interface DrivingOptions {
  scenario: Scenario;
  seed: number;
  targets: { host: string; port: number }[];
  routing: RoutingName;
  transport: TransportSpec;
  recorder: PhasedRecorder;
  workers: number;
  signal: AbortSignal;
}

/** The drive in this thread. */
function inThread(o: DrivingOptions): Driving {
  const router = createRouter(o.routing, o.targets.length, o.seed);
  const transport = transports[o.transport.type]({
    targets: o.targets,
    requestTimeoutMs: o.scenario.load.requestTimeout,
    route: (affinity) => router.pick(affinity),
    spec: o.transport,
    reconnect: o.scenario.load.reconnect,
    seed: o.seed,
  });
  return {
    router,
    async start(onStart) {
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const elu = performance.eventLoopUtilization();
      // The driver's memory, for its growth per open connection.
      transport.stats.sample(process.memoryUsage.rss());
      const memory = setInterval(() => transport.stats.sample(process.memoryUsage.rss()), 1000);
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
        clearInterval(memory);
        lag.disable();
      }
    },
    live: () => ({ recorder: o.recorder.overall, release: () => {} }),
    connections: () => transport.stats.result(),
    close: async () => {
      await transport.close();
      transport.stats.destroy();
    },
  };
}

/** The drive split over `workers` threads. */
function inThreads(o: DrivingOptions): Driving {
  let parallel: ParallelDrive | undefined;
  let connections: Connections | undefined;
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
      const { summary, threads, connections: merged } = await parallel.done;
      connections = merged;
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
    connections: () => connections ?? emptyConnections(o.transport.type, o.targets.length),
    close: async () => {
      await parallel?.done.catch(() => undefined);
    },
  };
}

export function startDriving(o: DrivingOptions): Driving {
  return o.workers > 1 ? inThreads(o) : inThread(o);
}
