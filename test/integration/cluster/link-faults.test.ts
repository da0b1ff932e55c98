/**
 * Link faults end to end, from a scenario's `faults:` entry to what a user of the chat service
 * sees: each toxic (bandwidth, slicer, stall, reset_peer, limit_data, down), per-command Redis
 * faults, stacked toxics, and toxics on replication peer links, each started and ended through the
 * same plan and actions a run uses, on real instance processes, a real redis-server and the real
 * proxy. Timings are lower bounds the toxic makes physically necessary (a fault that did nothing
 * could not meet them), never speeds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoundRobinRouter } from '../../../src/driver/routing.js';
import { type PlannedFault, planFaults } from '../../../src/faults/plan.js';
import { getBackend } from '../../../src/backends/registry.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import { startTopology } from '../../../src/cluster/topologies/registry.js';
import type { Deployment } from '../../../src/cluster/topologies/types.js';
import { ClusterFaults } from '../../../src/run/fault-actions.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { useRedis } from '../../helpers/redis.js';
import { topologyContext, useProxyHost } from '../../helpers/topology.js';

const redis = useRedis();
const proxies = useProxyHost();

interface Reply {
  status: number;
  body: { context?: string[]; created?: boolean; phase?: string; instance?: number };
  ms: number;
}

/** One conversation: its cookies, sent to the instance on `port`. */
class Conversation {
  private cookies = new Map<string, string>();
  private n = 0;

  constructor(readonly name: string) {}

  async turn(port: number): Promise<Reply> {
    const turnId = `${this.name}-${this.n++}`;
    const t0 = performance.now();
    const res = await request(`http://127.0.0.1:${port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}) },
      body: JSON.stringify({ turnId, message: 'm' }),
    });
    const body = (await res.body.json()) as Reply['body'];
    const ms = performance.now() - t0;
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: res.statusCode, body, ms };
  }

  /** Ids of the turns sent so far, for checking an echoed context. */
  ids(from: number, to: number): string[] {
    return Array.from({ length: to - from }, (_, i) => `${this.name}-${from + i}`);
  }
}

async function eventually(f: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A cluster of `backend` with these faults planned (started and ended by hand in the tests). */
function setup(yaml: string) {
  const scenario = parseScenario(yaml, 'links.yaml');
  const plan = planFaults(scenario.faults, scenario.cluster.instances, 1);
  let cluster: Cluster;
  let faults: ClusterFaults;
  let deployment: Deployment | undefined;
  beforeAll(async () => {
    const spec = scenario.backends[0]!;
    const def = getBackend(spec.backend)!;
    const ctx = topologyContext([], proxies.get(), redis.get());
    deployment = def.usesRedis ? await startTopology({ kind: 'single' }, ctx) : undefined;
    cluster = await Cluster.up({ scenario, spec, def, redis: deployment, runId: 'links', seed: 1, proxies: proxies.get() });
    faults = new ClusterFaults(cluster, redis.get(), new RoundRobinRouter(scenario.cluster.instances), 100);
  });
  afterAll(async () => {
    faults?.dispose();
    await cluster?.down();
    await deployment?.stop();
  });
  return {
    port: (i = 0) => cluster.instances[i]!.port,
    fault: (name: string): PlannedFault => plan.find((f) => f.name === name)!,
    start: (name: string) => faults.start(plan.find((f) => f.name === name)!),
    end: (name: string) => faults.end(plan.find((f) => f.name === name)!),
  };
}

describe('toxics on the Redis link (redis backend, commandTimeout 2s)', () => {
  const c = setup(`name: links
backends: [{ backend: redis, commandTimeout: 2s }]
cluster: { instances: 1, service: { replyBytes: 4KB } }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { name: bandwidth, at: 0s, duration: 1s, target: redis, bandwidth: 20 }
  - { name: slicer, at: 0s, duration: 1s, target: redis, slicer: { average_size: 64, delay: 1000 } }
  - { name: latency, at: 0s, duration: 1s, target: redis, latency: 100ms }
  - { name: get-errors, at: 0s, duration: 1s, target: redis, fraction: 100%, error: "ERR injected", commands: [GET] }
  - { name: set-latency, at: 0s, duration: 1s, target: redis, fraction: 100%, latency: 300ms, commands: [SET] }
`);

  it('bandwidth: a session read takes at least its size / rate, and arrives whole', async () => {
    const conv = new Conversation('bw');
    expect((await conv.turn(c.port())).status).toBe(200);
    await c.start('bandwidth');
    try {
      // The stored session holds one 4 KB reply: more than 4096 bytes at 20 KB/s is over 200 ms.
      const r = await conv.turn(c.port());
      expect(r.status).toBe(200);
      expect(r.body.context).toEqual(conv.ids(0, 1));
      expect(r.ms).toBeGreaterThanOrEqual(190);
    } finally {
      await c.end('bandwidth');
    }
  });

  it('slicer: replies cut into 64-byte pieces 1 ms apart still match their commands', async () => {
    const conv = new Conversation('sl');
    await conv.turn(c.port());
    await c.start('slicer');
    try {
      for (let k = 1; k <= 3; k++) {
        const r = await conv.turn(c.port());
        expect(r.status).toBe(200);
        expect(r.body.context).toEqual(conv.ids(0, k));
        // At least 4096 / 64 = 64 pieces, 1 ms apart.
        expect(r.ms).toBeGreaterThanOrEqual(60);
      }
    } finally {
      await c.end('slicer');
    }
  });

  it('stacked toxics both apply; ending one leaves the other', async () => {
    const conv = new Conversation('st');
    await conv.turn(c.port());
    await c.start('latency');
    await c.start('slicer');
    try {
      const both = await conv.turn(c.port());
      expect(both.status).toBe(200);
      // GET reply and SET reply each 100 ms late, and the GET reply sliced.
      expect(both.ms).toBeGreaterThanOrEqual(200 + 60);
      await c.end('latency');
      const sliced = await conv.turn(c.port());
      expect(sliced.status).toBe(200);
      expect(sliced.body.context).toEqual(conv.ids(0, 2));
      expect(sliced.ms).toBeGreaterThanOrEqual(60);
    } finally {
      await c.end('latency');
      await c.end('slicer');
    }
  });

  it('a per-command error fails the reads (503, phase read) and leaves writes and the stored sessions alone', async () => {
    const conv = new Conversation('ge');
    await conv.turn(c.port());
    await c.start('get-errors');
    try {
      const failed = await conv.turn(c.port());
      expect(failed.status).toBe(503);
      expect(failed.body.phase).toBe('read');
      // A new conversation reads nothing, so it only writes: it works.
      expect((await new Conversation('ge-new').turn(c.port())).status).toBe(200);
    } finally {
      await c.end('get-errors');
    }
    const after = await conv.turn(c.port());
    expect(after.status).toBe(200);
    expect(after.body.context).toEqual(conv.ids(0, 1));
  });

  it('a per-command latency delays only the chosen command', async () => {
    const conv = new Conversation('sd');
    await c.start('set-latency');
    try {
      const r = await conv.turn(c.port());
      expect(r.status).toBe(200);
      expect(r.ms).toBeGreaterThanOrEqual(290);
    } finally {
      await c.end('set-latency');
    }
  });
});

describe('link failures (redis backend, commandTimeout 300ms)', () => {
  const c = setup(`name: links
backends: [{ backend: redis, commandTimeout: 300ms }]
cluster: { instances: 1 }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { name: stall, at: 0s, duration: 1s, target: redis, timeout: 0 }
  - { name: reset, at: 0s, duration: 1s, target: redis, reset_peer: 0ms }
  - { name: limit, at: 0s, duration: 1s, target: redis, limit_data: 50 }
  - { name: down, at: 0s, duration: 1s, target: redis, down: true }
`);

  it('stall: a read fails after the command timeout, not before; afterwards the link is in sync and nothing was lost', async () => {
    const conv = new Conversation('stall');
    await conv.turn(c.port());
    await c.start('stall');
    try {
      const r = await conv.turn(c.port());
      expect(r.status).toBe(503);
      expect(r.body.phase).toBe('read');
      expect(r.ms).toBeGreaterThanOrEqual(290);
    } finally {
      await c.end('stall');
    }
    // The reply held during the stall arrives late and is matched to its (timed-out) command.
    const again = await conv.turn(c.port());
    expect(again.status).toBe(200);
    expect(again.body.context).toEqual(conv.ids(0, 1));
  });

  it.each(['reset', 'limit', 'down'])('%s: turns fail with 503 while it lasts, and work again with their history after it', async (name) => {
    const conv = new Conversation(name);
    await conv.turn(c.port());
    await c.start(name);
    try {
      const r = await conv.turn(c.port());
      expect(r.status).toBe(503);
    } finally {
      await c.end(name);
    }
    let last: Reply | undefined;
    await eventually(async () => (last = await conv.turn(c.port())).status === 200, 'the link to come back');
    // Only the turns that failed are missing from the history.
    expect(last!.body.context![0]).toBe(`${name}-0`);
    expect(last!.body.created).toBe(false);
  });
});

describe.each(['sync', 'async'] as const)('toxics on peer links (replication %s, 2 instances)', (mode) => {
  const c = setup(`name: links
backends: [{ backend: replication, mode: ${mode}, ackTimeout: 5s }]
cluster: { instances: 2 }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
faults:
  - { name: slow, at: 0s, duration: 1s, target: "instance[1].peers", latency: 800ms, direction: both }
  - { name: cut, at: 0s, duration: 1s, target: "instance[1].peers", partition: true }
`);

  /** Both instances' links are up: a save on one is visible on the other. */
  async function linked(): Promise<void> {
    let n = 0;
    await eventually(async () => {
      const probe = new Conversation(`probe-${n++}`);
      await probe.turn(c.port(0));
      await sleep(20);
      return (await probe.turn(c.port(1))).body.created === false;
    }, 'the peer links');
  }

  it(mode === 'sync' ? 'latency: a save waits for the slow peer, so the next turn there finds it' : 'latency: a save does not wait, so the next turn on the slow peer finds no copy yet', async () => {
    await linked();
    const conv = new Conversation(`slow-${mode}`);
    await c.start('slow');
    try {
      const first = await conv.turn(c.port(0));
      expect(first.status).toBe(200);
      const next = await conv.turn(c.port(1));
      if (mode === 'sync') {
        // The copy went out and the ack came back through the 800 ms toxic, both ways.
        expect(first.ms).toBeGreaterThanOrEqual(2 * 790);
        expect(next.body).toMatchObject({ created: false, context: conv.ids(0, 1) });
      } else {
        expect(next.body.created).toBe(true);
      }
    } finally {
      await c.end('slow');
    }
  });

  it('partition: a copy made while an instance is cut off never reaches it; after the partition, copies flow again', async () => {
    await linked();
    await c.start('cut');
    try {
      const conv = new Conversation(`cut-${mode}`);
      expect((await conv.turn(c.port(0))).status).toBe(200);
      await sleep(100);
      expect((await conv.turn(c.port(1))).body.created).toBe(true);
    } finally {
      await c.end('cut');
    }
    await linked();
  });
});
