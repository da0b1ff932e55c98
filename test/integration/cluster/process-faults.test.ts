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
`,
  'p.yaml',
);
const [kill, pause, stop] = planFaults(scenario.faults, 2, 1);

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
    expect(await chat(port)).toBe('ECONNREFUSED');
    expect(picks()).toContain(1);
    await sleep(300);
    expect(picks()).not.toContain(1);
    await faults.end(kill!);
    expect(cluster.instances[1]!.pid).not.toBe(old.pid);
    expect(cluster.instances[1]!.port).toBe(port);
    expect(await chat(port)).toBe(200);
    await sleep(300);
    expect(picks()).toContain(1);
    faults.dispose();
  });

  it('pause: requests hang while stopped and are answered after SIGCONT', async () => {
    const { cluster, faults } = await setup();
    const port = cluster.instances[1]!.port;
    await faults.start(pause!);
    expect(await chat(port, 300)).toBe('UND_ERR_HEADERS_TIMEOUT');
    const pending = chat(port, 5000);
    await sleep(200);
    await faults.end(pause!);
    expect(await pending).toBe(200);
    faults.dispose();
  });

  it('stop: SIGTERM ends the instance gracefully within its grace period', async () => {
    const { cluster, faults } = await setup();
    const inst = cluster.instances[1]!;
    const t0 = performance.now();
    await faults.start(stop!);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(inst.alive).toBe(false);
    expect(inst.child.signalCode).toBeNull();
    expect(inst.child.exitCode).toBe(0);
    faults.dispose();
  });
});
