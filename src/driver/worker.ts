/**
 * One driver thread of a run split over `--workers N` (see parallel.ts): it drives the conversations
 * whose index modulo N is its own, with its own connections, balancer and recorder, from the same
 * time 0 as the main thread. Every second it sends what it has measured so far (for progress and
 * abortOnFail); at the end everything it recorded, which the main thread merges exactly.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { initHistograms } from '../metrics/histogram.js';
import { PhasedRecorder } from '../metrics/phases.js';
import { drive } from './driver.js';
import type { ToWorker, WorkerInput } from './parallel.js';
import { createRouter } from './routing.js';
import { transports } from './transports/registry.js';

const input = workerData as WorkerInput;
const port = parentPort!;

await initHistograms();
const recorder = new PhasedRecorder(input.windows);
const router = createRouter(input.routing, input.targets.length, input.seed);
const transport = transports[input.transport.type]({
  targets: input.targets,
  requestTimeoutMs: input.scenario.load.requestTimeout,
  route: (affinity) => router.pick(affinity),
  spec: input.transport,
  reconnect: input.scenario.load.reconnect,
  seed: input.seed,
});
const stop = new AbortController();
port.on('message', (m: ToWorker) => {
  if (m.type === 'alive') router.setAlive(m.index, m.alive);
  else stop.abort();
});

// Time 0 is the main thread's: performance.now() counts from each thread's own origin.
const wait = input.startAt - (performance.timeOrigin + performance.now());
if (wait > 0) await sleep(wait);
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const elu = performance.eventLoopUtilization();
const progress = setInterval(
  () => port.postMessage({ type: 'progress', state: recorder.overall.state(false) }),
  input.progressEveryMs,
);
const summary = await drive({
  scenario: input.scenario,
  seed: input.seed,
  transport,
  router,
  recorder,
  signal: stop.signal,
  mine: (i) => i % input.workers === input.index,
});
clearInterval(progress);
lag.disable();
port.postMessage({
  type: 'done',
  summary,
  state: recorder.state(),
  utilization: performance.eventLoopUtilization(elu).utilization,
  lagP99Ms: lag.percentile(99) / 1e6,
  lagMaxMs: lag.max / 1e6,
  connections: transport.stats.result(),
});
await transport.close();
transport.stats.destroy();
recorder.destroy();
port.close();
