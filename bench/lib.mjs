// Helpers of the bench harness: sessbench's driver against one instance, and small statistics.
import { drive } from '../dist/driver/driver.js';
import { createRouter } from '../dist/driver/routing.js';
import { HttpTransport } from '../dist/driver/transports/http.js';
import { PhasedRecorder } from '../dist/metrics/phases.js';
import { parseScenario } from '../dist/scenario/parse.js';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * The driver in this process against one instance: `conversations` at once, each as many turns as
 * `seconds` allow, no think or model time, every reply scored by the oracle and recorded. Returns
 * turns/s, CPU per turn (everything in this thread: requests, oracle, cookies, histograms,
 * per-second series) and whether the driver's event loop was saturated.
 */
export async function driverRun(port, seconds, conversations) {
  const scenario = parseScenario(
    `name: bench
cluster: { instances: 1, service: { modelTime: 0ms, replyBytes: 600 } }
load:
  phases: [{ duration: 1s, arrivalRate: ${conversations} }]
  conversation: { turns: 10000, thinkTime: 0ms, messageBytes: 100 }
  drain: ${seconds}s
`,
    'bench.yaml',
  );
  const recorder = new PhasedRecorder([]);
  const transport = new HttpTransport({ targets: [{ host: '127.0.0.1', port }], requestTimeoutMs: 30_000 });
  const stop = new AbortController();
  // The conversations arrive within the first second; the drive is cut `seconds` after the last.
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await drive({ scenario, seed: 1, transport, router: createRouter('round-robin', 1, 1), recorder, signal: stop.signal });
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const utilization = performance.eventLoopUtilization(elu).utilization;
  const turns = recorder.overall.allTurns;
  const intact = recorder.overall.counts.intact;
  await transport.close();
  recorder.destroy();
  if (intact < turns * 0.99) throw new Error(`the driver's turns were not intact: ${intact} of ${turns}`);
  return { perSec: turns / (ms / 1000), cpuUs: (used.user + used.system) / turns, saturated: utilization > 0.9 };
}
