/**
 * Process faults on real instance processes: kill, stop, pause and restart through the same
 * actions a run uses, and the balancer noticing only after the detection delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RoundRobinRouter } from '../../../src/driver/routing.js';
import { planFaults } from '../../../src/faults/plan.js';
import { backends } from '../../../src/backends/registry.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import { ClusterFaults } from '../../../src/run/fault-actions.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { isAlive } from '../../helpers/processes.js';

const scenario = parseScenario(
  `name: p
backends: [memory]
cluster: { instances: 2, detectAfter: 200ms }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { at: 0s, target: "instance[1]", kill: true, restartAfter: 1s }
  - { at: 0s, target: "instance[1]", pause: true, duration: 1s }
  - { at: 0s, target: "instance[1]", stop: true, grace: 500ms }
  - { at: 0s, target: "instance[1]", stop: true, grace: 300ms, restartAfter: 1s }
`,
  'p.yaml',
);
const [kill, pause, stop, stopRestart] = planFaults(scenario.faults, 2, 1);

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.down();
  cluster = undefined;
});

async function chat(port: number, timeoutMs = 2000): Promise<number | string> {
  try {
    const res = await request(`http://127.0.0.1:${port}/chat`, {
      method: 'POST',
      body: JSON.stringify({ turnId: 't', message: 'm' }),
      headers: { 'content-type': 'application/json' },
      headersTimeout: timeoutMs,
    });
    await res.body.dump();
    return res.statusCode;
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  }
}

/** Poll until `check` holds; the balancer's detection delay is tested exactly on a fake clock (test/unit/run). */
async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function setup() {
  cluster = await Cluster.up({ scenario, spec: scenario.backends[0]!, def: backends.memory, redis: undefined, runId: 'test', seed: 1 });
  const router = new RoundRobinRouter(2);
  const picks = () => Array.from({ length: 4 }, () => router.pick());
  return { cluster, picks, faults: new ClusterFaults(cluster, undefined, router, 200) };
}

describe('process faults', () => {
  it('kill: the process is gone at once, the balancer notices after detectAfter, restart brings it back on its port', async () => {
    const { cluster, picks, faults } = await setup();
    const old = cluster.instances[1]!;
    const port = old.port;
    await faults.start(kill!);
    expect(isAlive(old.pid!)).toBe(false);
    // The balancer has not noticed yet: the dead instance still gets turns, which are refused.
    expect(picks()).toContain(1);
    expect(await chat(port)).toBe('ECONNREFUSED');
    await eventually(() => !picks().includes(1), 'the balancer to take instance 1 out');
    await faults.end(kill!);
    expect(cluster.instances[1]!.pid).not.toBe(old.pid);
    expect(cluster.instances[1]!.alive).toBe(true);
    expect(cluster.instances[1]!.port).toBe(port);
    expect(await chat(port)).toBe(200);
    await eventually(() => picks().includes(1), 'the balancer to take instance 1 back');
    faults.dispose();
  });

  it('pause: requests hang while stopped and are answered after SIGCONT', async () => {
    const { cluster, faults } = await setup();
    const port = cluster.instances[1]!.port;
    await faults.start(pause!);
    let settled = false;
    const pending = chat(port, 10_000).finally(() => (settled = true));
    // A request that gives up after 300 ms does so, while the first is still unanswered.
    expect(await chat(port, 300)).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(settled).toBe(false);
    expect(cluster.instances[1]!.alive).toBe(true);
    await faults.end(pause!);
    expect(await pending).toBe(200);
    faults.dispose();
  });

  it('stop: SIGTERM ends the instance gracefully, before its grace period ends in a SIGKILL', async () => {
    const { cluster, faults } = await setup();
    const inst = cluster.instances[1]!;
    await faults.start(stop!);
    expect(inst.alive).toBe(false);
    // It exited by itself (code 0): had the grace period run out, SIGKILL would show here.
    expect(inst.child.signalCode).toBeNull();
    expect(inst.child.exitCode).toBe(0);
    faults.dispose();
  });

  it('stop: an instance that does not stop within its grace period is killed', async () => {
    const { cluster, faults } = await setup();
    const inst = cluster.instances[1]!;
    // A stopped (SIGSTOP) process can't act on SIGTERM.
    await faults.start(pause!);
    await faults.start(stop!);
    expect(inst.alive).toBe(false);
    expect(inst.child.signalCode).toBe('SIGKILL');
    faults.dispose();
  });

  it('stop with restartAfter: the instance comes back on its port', async () => {
    const { cluster, faults } = await setup();
    const old = cluster.instances[1]!;
    const port = old.port;
    expect(await chat(port)).toBe(200);
    await faults.start(stopRestart!);
    expect(old.alive).toBe(false);
    expect(old.child.exitCode).toBe(0);
    expect(await chat(port)).toBe('ECONNREFUSED');
    await faults.end(stopRestart!);
    const fresh = cluster.instances[1]!;
    expect(fresh.pid).not.toBe(old.pid);
    expect(fresh.port).toBe(port);
    expect(await chat(port)).toBe(200);
    faults.dispose();
  });
});
