/**
 * ClusterFaults on a fake cluster and a fake clock: when the balancer learns that an instance died
 * or came back (exactly `detectAfter` later, a newer change replacing a pending one), which proxies
 * a toxic goes on, and that a fault whose target a backend lacks does nothing. The same actions on
 * real processes are in test/integration/cluster.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planFaults } from '../../../src/faults/plan.js';
import type { ToxicSpec } from '../../../src/faults/toxics/types.js';
import { ClusterFaults } from '../../../src/run/fault-actions.js';
import type { Cluster } from '../../../src/cluster/cluster.js';
import type { RedisServer } from '../../../src/cluster/redis.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const scenario = parseScenario(
  `name: f
cluster: { instances: 3 }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { at: 0s, target: "instance[1]", kill: true, restartAfter: 1s }
  - { at: 0s, target: "instance[2]", pause: true, duration: 1s }
  - { at: 0s, target: "instance[1]", stop: true }
  - { at: 0s, duration: 1s, target: redis, latency: 5ms }
  - { at: 0s, duration: 1s, target: "instance[0].peers", partition: true }
  - { at: 0s, target: redis, restart: true }
`,
  'f.yaml',
);
const [kill, pause, stop, latency, partition, restart] = planFaults(scenario.faults, 3, 1);

class FakeProxy {
  readonly added: ToxicSpec[] = [];
  readonly removed: number[] = [];
  constructor(readonly name: string) {}
  addToxic(spec: ToxicSpec): number {
    this.added.push(spec);
    return this.added.length;
  }
  removeToxic(id: number): void {
    this.removed.push(id);
  }
}

function fakeCluster(opts: { redis: boolean }) {
  const signals: string[] = [];
  const instance = (index: number) => ({
    index,
    signal: (s: string) => signals.push(`${index}:${s}`),
    exited: () => Promise.resolve(),
    terminate: async () => void signals.push(`${index}:TERM`),
  });
  const peers = [new FakeProxy('peer-0->1'), new FakeProxy('peer-1->0'), new FakeProxy('peer-0->2'), new FakeProxy('peer-2->0')];
  const redisProxy = opts.redis ? new FakeProxy('redis') : undefined;
  // A single Redis: its one data link is every link a `redis` fault names.
  const deployment = redisProxy && {
    kind: 'single',
    links: (sel: { kind: string }) => (sel.kind === 'all' ? [redisProxy] : []),
    process: () => undefined,
  };
  const cluster = {
    redisProxy,
    redis: deployment,
    instances: [instance(0), instance(1), instance(2)],
    restarted: [] as number[],
    peerProxiesOf: (i: number) => (i === 0 ? peers : []),
    restart: async (i: number) => void cluster.restarted.push(i),
  };
  return { cluster, signals, peers };
}

function setup(opts: { redis?: boolean } = {}) {
  const { cluster, signals, peers } = fakeCluster({ redis: opts.redis ?? true });
  const alive: string[] = [];
  const router = { pick: () => 0, setAlive: (i: number, a: boolean) => void alive.push(`${i}:${a}@${Date.now()}`) };
  const redis = { restart: vi.fn(async () => {}) };
  const faults = new ClusterFaults(cluster as unknown as Cluster, redis as unknown as RedisServer, router, 300);
  return { cluster, signals, peers, alive, redis, faults };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('ClusterFaults', () => {
  it('kill: SIGKILL at once; the balancer takes the instance out exactly detectAfter later, and back detectAfter after the restart', async () => {
    const { faults, signals, alive, cluster } = setup();
    await faults.start(kill!);
    expect(signals).toEqual(['1:SIGKILL']);
    await vi.advanceTimersByTimeAsync(299);
    expect(alive).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(alive).toEqual(['1:false@300']);
    await vi.advanceTimersByTimeAsync(700);
    await faults.end(kill!);
    expect(cluster.restarted).toEqual([1]);
    await vi.advanceTimersByTimeAsync(300);
    expect(alive).toEqual(['1:false@300', '1:true@1300']);
  });

  it('a change within detectAfter replaces the pending one: a quick restart is never seen as down', async () => {
    const { faults, alive } = setup();
    await faults.start(kill!);
    await vi.advanceTimersByTimeAsync(100);
    await faults.end(kill!);
    await vi.advanceTimersByTimeAsync(1000);
    expect(alive).toEqual(['1:true@400']);
  });

  it('pause: SIGSTOP, then SIGCONT; the balancer follows each after detectAfter', async () => {
    const { faults, signals, alive } = setup();
    await faults.start(pause!);
    await vi.advanceTimersByTimeAsync(1000);
    await faults.end(pause!);
    await vi.advanceTimersByTimeAsync(1000);
    expect(signals).toEqual(['2:SIGSTOP', '2:SIGCONT']);
    expect(alive).toEqual(['2:false@300', '2:true@1300']);
  });

  it('stop without restartAfter: terminated, taken out, never restarted', async () => {
    const { faults, signals, alive, cluster } = setup();
    await faults.start(stop!);
    await faults.end(stop!);
    await vi.advanceTimersByTimeAsync(1000);
    expect(signals).toEqual(['1:TERM']);
    expect(cluster.restarted).toEqual([]);
    expect(alive).toEqual(['1:false@300']);
  });

  it('dispose cancels what the balancer has not learnt yet', async () => {
    const { faults, alive } = setup();
    await faults.start(kill!);
    faults.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(alive).toEqual([]);
  });

  it('puts a Redis toxic on the Redis proxy and removes that one at the end', async () => {
    const { faults, cluster, peers } = setup();
    await faults.start(latency!);
    const proxy = cluster.redisProxy!;
    expect(proxy.added).toEqual([latency!.action.kind === 'toxic' ? latency!.action.toxic : undefined]);
    await faults.end(latency!);
    expect(proxy.removed).toEqual([1]);
    for (const p of peers) expect(p.added).toEqual([]);
  });

  it('puts a peer-link fault on every proxy to and from the instance', async () => {
    const { faults, peers, cluster } = setup();
    await faults.start(partition!);
    for (const p of peers) expect(p.added.map((t) => t.type)).toEqual(['down']);
    await faults.end(partition!);
    for (const p of peers) expect(p.removed).toEqual([1]);
    expect(cluster.redisProxy!.added).toEqual([]);
  });

  it('restarts Redis only for a backend that uses it; a Redis fault on a backend without Redis does nothing', async () => {
    const withRedis = setup();
    await withRedis.faults.start(restart!);
    expect(withRedis.redis.restart).toHaveBeenCalledTimes(1);
    const without = setup({ redis: false });
    await without.faults.start(restart!);
    await without.faults.start(latency!);
    await without.faults.end(latency!);
    expect(without.redis.restart).not.toHaveBeenCalled();
  });
});
