/**
 * Faults on Redis nodes and deployment changes are checked against the scenario's backends: a node
 * index out of range, an action no backend's deployment has, a replica or subscriber link no
 * backend has; each problem at the position of its key, all at once.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const scenario = (backends: string, faults: string) => `name: t
backends: ${backends}
load:
  phases: [{ duration: 10s, arrivalRate: 1 }]
faults:
${faults}`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('Redis faults in a scenario', () => {
  it('accepts node targets and deployment changes the backends have', () => {
    const s = parseScenario(
      scenario(
        '[redis-cluster, { backend: hash-ring, nodes: 5 }, near-cache]',
        `  - { at: 1s, target: "redis[2]", failover: true, restartAfter: 3s }
  - { at: 2s, target: "redis[0].replica", latency: 10ms, duration: 1s }
  - { at: 3s, duration: 2s, target: "redis[1]", reshard: true, share: 50% }
  - { at: 4s, target: "redis[4]", remove-node: true }
  - { at: 5s, target: redis, add-node: true }
  - { at: 6s, duration: 1s, target: redis.pubsub, latency: 50ms }
  - { at: 7s, duration: 1s, target: "redis[1]", pause: true }
`,
      ),
      'ok.yaml',
    );
    expect(s.faults.map((f) => [f.action.kind, f.label])).toEqual([
      ['failover', 'failover'],
      ['toxic', 'latency 10ms'],
      ['reshard', 'reshard 50%'],
      ['remove-node', 'remove-node'],
      ['add-node', 'add-node'],
      ['toxic', 'latency 50ms'],
      ['pause', 'pause'],
    ]);
    expect(s.faults[0]!.action).toEqual({ kind: 'failover', restartAfterMs: 3000 });
    expect(s.faults[2]!.action).toEqual({ kind: 'reshard', share: 0.5 });
  });

  it('reshard defaults to a third of the slots', () => {
    const s = parseScenario(scenario('[redis-cluster]', '  - { at: 1s, target: "redis[0]", reshard: true }\n'), 'x');
    expect(s.faults[0]!.action).toEqual({ kind: 'reshard', share: 1 / 3 });
  });

  it('names every problem at its key: index out of range, actions and links no backend has', () => {
    const out = problems(
      scenario(
        '[redis, { backend: redis-cluster, masters: 3, replicas: 0 }]',
        `  - { at: 1s, target: "redis[3]", latency: 10ms }
  - { at: 1s, target: "redis[0]", remove-node: true }
  - { at: 1s, target: redis.pubsub, latency: 10ms }
  - { at: 1s, target: "redis[0].replica", kill: true }
  - { at: 1s, target: "redis[1]", failover: true }
  - { at: 1s, target: redis, reshard: true }
  - { at: 1s, target: "redis[0]", restart: true, share: 10% }
`,
      ),
    );
    expect(out).toEqual([
      expect.stringMatching(/^6:15 faults\[0\]\.target: expected redis\[0\]\.\.redis\[2\] .*got redis\[3\]$/),
      expect.stringMatching(/^7:35 faults\[1\]\.remove-node: expected a backend on a hash ring with redis\[0\]/),
      expect.stringMatching(/^8:15 faults\[2\]\.target: expected a backend with a subscriber link \(near-cache\)/),
      expect.stringMatching(/^9:15 faults\[3\]\.target: expected a backend with replicas for redis\[0\]\.replica/),
      expect.stringMatching(/^10:35 faults\[4\]\.failover: expected a backend with replicas for failover/),
      expect.stringMatching(/^11:30 faults\[5\]\.reshard: reshard does not apply to target redis/),
      expect.stringMatching(/^12:50 faults\[6\]\.share: share goes only with reshard$/),
    ]);
  });

  it('a failover names a master, and Redis node targets need quotes inside braces (the hint says so)', () => {
    const onReplica = '  - { at: 1s, target: "redis[0].replica", failover: true }\n';
    expect(problems(scenario('[redis-cluster]', onReplica))).toEqual([
      expect.stringMatching(/faults\[0\]\.failover: expected a master \(redis\[k\]\) for failover, got redis\[0\]/),
    ]);
    expect(problems(scenario('[redis-cluster]', '  - { at: 1s, target: redis[0], failover: true }\n'))[0]).toContain(
      '"redis[0]" too',
    );
  });

  it('kill, pause and restart of a node need a deployment of several processes', () => {
    expect(problems(scenario('[redis]', '  - { at: 1s, target: "redis[0]", kill: true }\n'))).toEqual([
      expect.stringMatching(/faults\[0\]\.kill: expected a backend on a Redis Cluster or Sentinel or a hash ring/),
    ]);
  });
});
