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

describe('planFaults: targets and names', () => {
  const faults = parseScenario(
    `name: t
cluster: { instances: 4 }
backends: [replication]
load: { phases: [{ duration: 30s, arrivalRate: 1 }] }
faults:
  - { at: 1s, duration: 2s, target: "instance[2].peers", partition: true }
  - { at: 2s, target: "instance[3]", stop: true, restartAfter: 1500ms }
  - { at: 3s, duration: 1s, target: "instance[2].peers", partition: true }
  - { at: 4s, target: "instance[2].peers", partition: true, duration: 1s }
  - { name: my fault, at: 5s, target: "instance[1]", kill: true }
  - { name: my fault, at: 6s, target: redis, restart: true }
`,
    't.yaml',
  ).faults;

  it('resolves peer links, fixed instances and redis, and numbers repeated names from the second on', () => {
    const plan = planFaults(faults, 4, 1);
    expect(plan.map((f) => [f.index, f.target, f.resolvedTarget, f.name])).toEqual([
      [0, 'instance[2].peers', { kind: 'peers', index: 2 }, 'instance[2].peers partition'],
      [1, 'instance[3]', { kind: 'instance', index: 3 }, 'instance[3] stop'],
      [2, 'instance[2].peers', { kind: 'peers', index: 2 }, 'instance[2].peers partition #2'],
      [3, 'instance[2].peers', { kind: 'peers', index: 2 }, 'instance[2].peers partition #3'],
      [4, 'instance[1]', { kind: 'instance', index: 1 }, 'my fault'],
      [5, 'redis', { kind: 'redis' }, 'my fault #2'],
    ]);
  });

  it('ends a fault after its duration, a stopped instance at its restart, a kill without restart never', () => {
    const plan = planFaults(faults, 4, 1);
    expect(plan.map((f) => [f.atMs, f.endMs])).toEqual([
      [1000, 3000],
      [2000, 3500],
      [3000, 4000],
      [4000, 5000],
      [5000, null],
      [6000, null],
    ]);
  });

  it('draws a random instance over all of them, first and last included', () => {
    const spec = parseScenario(
      `name: t
cluster: { instances: 3 }
load: { phases: [{ duration: 30s, arrivalRate: 1 }] }
faults: [{ at: 1s, target: random-instance, kill: true }]
`,
      't.yaml',
    ).faults;
    const drawn = new Set(Array.from({ length: 60 }, (_, seed) => planFaults(spec, 3, seed)[0]!.target));
    expect([...drawn].sort()).toEqual(['instance[0]', 'instance[1]', 'instance[2]']);
  });
});

describe('FaultTimeline.stop', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const restart = (index: number, name: string, atMs: number, endMs: number | null): PlannedFault => ({
    index, name, target: 'redis', resolvedTarget: { kind: 'redis' }, action: { kind: 'restart' }, atMs, endMs,
  });
  const plan = [restart(0, 'a', 1000, 9000), restart(1, 'b', 2000, null), restart(2, 'c', 3000, 9000)];

  it('undoes what is in effect in reverse order, recording only the ends the plan has', async () => {
    vi.setSystemTime(0);
    const calls: string[] = [];
    const actions = {
      start: (f: PlannedFault) => void calls.push(`start ${f.name}`),
      end: (f: PlannedFault) => void calls.push(`end ${f.name}`),
    };
    const t = new FaultTimeline(plan, actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(4000);
    await t.stop();
    expect(calls).toEqual(['start a', 'start b', 'start c', 'end c', 'end b', 'end a']);
    expect(t.events.map((e) => `${e.type} ${e.fault} @${e.atMs}`)).toEqual([
      'start a @1000', 'start b @2000', 'start c @3000', 'end c @4000', 'end a @4000',
    ]);
    await t.stop();
    expect(calls).toHaveLength(6);
  });

  it('leaves a fault without an end in effect until the run stops, even one at 0', async () => {
    vi.setSystemTime(0);
    const calls: string[] = [];
    const actions = {
      start: (f: PlannedFault) => void calls.push(`start ${f.name}`),
      end: (f: PlannedFault) => void calls.push(`end ${f.name}`),
    };
    const t = new FaultTimeline([restart(0, 'z', 0, null)], actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual(['start z']);
    await t.stop();
    expect(calls).toEqual(['start z', 'end z']);
    expect(t.events).toEqual([{ atMs: 0, fault: 'z', type: 'start' }]);
  });

  it('records an error of an end, and starts nothing once stopped', async () => {
    vi.setSystemTime(50_000);
    const calls: string[] = [];
    const actions = {
      start: (f: PlannedFault) => void calls.push(`start ${f.name}`),
      end: (f: PlannedFault) => {
        throw new Error(`cannot undo ${f.name}`);
      },
    };
    const t = new FaultTimeline(plan, actions, fakeClock);
    t.start();
    await vi.advanceTimersByTimeAsync(1500);
    await t.stop();
    expect(t.events.at(-1)).toEqual({ atMs: 1500, fault: 'a', type: 'end', error: 'cannot undo a' });
    expect(t.events[0]).toEqual({ atMs: 1000, fault: 'a', type: 'start' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual(['start a']);
  });
});
