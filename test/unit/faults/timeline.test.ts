import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PlannedFault, planFaults } from '../../../src/faults/plan.js';
import { type Clock, FaultTimeline } from '../../../src/faults/timeline.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const scenario = parseScenario(
  `name: t
cluster: { instances: 4 }
load: { phases: [{ duration: 30s, arrivalRate: 1 }] }
faults:
  - { at: 2s, duration: 3s, target: redis, latency: 50ms }
  - { at: 4s, target: random-instance, kill: true, restartAfter: 2s }
  - { at: 10s, target: random-instance, pause: true, duration: 1s }
  - { at: 12s, target: redis, restart: true }
`,
  't.yaml',
);

const fakeClock: Clock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

describe('FaultTimeline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function recordingActions(fail?: string) {
    const calls: string[] = [];
    return {
      calls,
      actions: {
        start: (f: PlannedFault) => {
          calls.push(`start ${f.name} @${Date.now()}`);
          if (f.name === fail) throw new Error('boom');
        },
        end: (f: PlannedFault) => void calls.push(`end ${f.name} @${Date.now()}`),
      },
    };
  }

  it('starts and ends every fault at its planned time', async () => {
    vi.setSystemTime(0);
    const plan = planFaults(scenario.faults, 4, 7);
    const { calls, actions } = recordingActions();
    const t = new FaultTimeline(plan, actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const [latency, kill, pause, restart] = plan.map((f) => f.name);
    expect(calls).toEqual([
      `start ${latency} @2000`,
      `start ${kill} @4000`,
      `end ${latency} @5000`,
      `end ${kill} @6000`,
      `start ${pause} @10000`,
      `end ${pause} @11000`,
      `start ${restart} @12000`,
    ]);
    expect(t.events.map((e) => [e.atMs, e.type])).toEqual([
      [2000, 'start'], [4000, 'start'], [5000, 'end'], [6000, 'end'], [10000, 'start'], [11000, 'end'], [12000, 'start'],
    ]);
  });

  it('records a failing action as an event and carries on', async () => {
    vi.setSystemTime(0);
    const plan = planFaults(scenario.faults, 4, 7);
    const { calls, actions } = recordingActions(plan[0]!.name);
    const t = new FaultTimeline(plan, actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(t.events[0]).toMatchObject({ fault: plan[0]!.name, type: 'start', error: 'boom' });
    expect(calls).toHaveLength(7);
  });

  it('stop() cancels what is pending and undoes what is in effect', async () => {
    vi.setSystemTime(0);
    const plan = planFaults(scenario.faults, 4, 7);
    const { calls, actions } = recordingActions();
    const t = new FaultTimeline(plan, actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(3000);
    await t.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toEqual([`start ${plan[0]!.name} @2000`, `end ${plan[0]!.name} @3000`]);
  });
});

describe('planFaults', () => {
  it('is the same plan for the same seed, and draws random targets from it', () => {
    const a = planFaults(scenario.faults, 4, 7);
    expect(planFaults(scenario.faults, 4, 7)).toEqual(a);
    const targets = new Set(Array.from({ length: 20 }, (_, seed) => planFaults(scenario.faults, 4, seed)[1]!.target));
    expect(targets.size).toBeGreaterThan(1);
    for (const t of targets) expect(t).toMatch(/^instance\[[0-3]\]$/);
  });

  it('resolves actions, windows and names', () => {
    const [latency, kill, pause, restart] = planFaults(scenario.faults, 4, 7);
    expect(latency).toMatchObject({ name: 'redis latency 50ms', atMs: 2000, endMs: 5000, action: { kind: 'toxic', toxic: { type: 'latency', params: { latency: 50, jitter: 0 }, direction: 'downstream', toxicity: 1 } } });
    expect(kill).toMatchObject({ atMs: 4000, endMs: 6000, action: { kind: 'kill', restartAfterMs: 2000 } });
    expect(pause).toMatchObject({ endMs: 11000, action: { kind: 'pause' } });
    expect(restart).toMatchObject({ name: 'redis restart', endMs: null, action: { kind: 'restart' } });
  });
});
