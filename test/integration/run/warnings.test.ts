/**
 * The warnings a run gives about its own figures, on a real (small) run in this process: a
 * saturated driver (its event loop blocked here on purpose) and conversations cut at the end of the
 * drain.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type RunResults } from '../../../src/results/schema.js';
import { run } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const scenario = parseScenario(
  `name: warnings
seed: 3
backends: [memory]
cluster: { instances: 1, service: { modelTime: 20ms } }
load:
  phases: [{ duration: 1500ms, arrivalRate: 8 }]
  conversation: { turns: 20, thinkTime: 100ms }
  drain: 0s
`,
  'warnings.yaml',
);

let blocker: NodeJS.Timeout | undefined;
afterAll(() => clearInterval(blocker));

describe('run warnings', () => {
  it('says when the driver was saturated and when conversations were cut, and stores both', async () => {
    // Block this process's event loop for 80 ms out of every 100: the driver's own lag.
    blocker = setInterval(() => {
      const until = performance.now() + 80;
      while (performance.now() < until) {
        // busy
      }
    }, 100);
    const warnings: string[] = [];
    let results: RunResults;
    try {
      results = await run({
        scenario, scenarioFile: 'warnings.yaml', seed: 3, redis: {}, signal: new AbortController().signal,
        observer: { warning: (w) => warnings.push(w) },
      });
    } finally {
      clearInterval(blocker);
    }
    const b = results.backends[0]!;
    expect(b.driver.saturated).toBe(true);
    expect(b.driver.eventLoopLagP99Ms).toBeGreaterThan(50);
    // Conversations of 20 turns can't finish in 1.5 s with no drain.
    expect(b.conversations.cut).toBeGreaterThan(0);
    expect(results.warnings).toEqual([
      expect.stringMatching(
        /^memory: the driver itself was saturated \(busiest driver thread busy \d+ % of the time, event-loop lag p99 \d+\.\d ms\); latency figures are suspect: run with --workers 2$/,
      ),
      `memory: ${b.conversations.cut} conversations were still running at the end and were cut`,
    ]);
    expect(warnings).toEqual(results.warnings);
  }, 60_000);
});
