import { describe, expect, it } from 'vitest';
import { transports } from '../../../src/driver/transports/registry.js';
import { ScenarioError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { TRANSPORT_NAMES } from '../../../src/scenario/transport.js';

function problems(text: string): string {
  try {
    parseScenario(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.format();
    throw err;
  }
  throw new Error('expected a ScenarioError');
}

const load = (transport: string) => `name: t
backends: [redis]
load:
  phases: [{ duration: 1s, arrivalRate: 1 }]
  transport: ${transport}
`;

describe('transports in a scenario', () => {
  it('the registry has exactly the transports a scenario may name', () => {
    expect(Object.keys(transports).sort()).toEqual([...TRANSPORT_NAMES].sort());
  });

  it('resolves a name or a mapping, per scenario and per backend entry', () => {
    const s = parseScenario(
      `name: t
backends:
  - { backend: redis, label: a, transport: { type: poll, interval: 250ms } }
  - { backend: redis, label: b }
cluster: { service: { stream: { firstToken: 100ms, tokens: 5, tokenGap: 10ms } } }
load:
  phases: [{ duration: 1s, arrivalRate: 1 }]
  transport: websocket
`,
      'x.yaml',
    );
    expect(s.backends[0]!.transport).toEqual({
      type: 'poll', intervalMs: 250, holdMs: 30_000, perMessageDeflate: false,
    });
    expect(s.backends[1]!.transport).toBeUndefined();
    expect(s.load.transport.type).toBe('websocket');
    expect(s.load.reconnect).toEqual({ backoff: 100, maxBackoff: 2000, jitter: 0.5, attempts: 10 });
    expect(s.cluster.service.stream?.tokens).toEqual({ min: 5, max: 5 });
  });

  it('rejects an unknown transport, an interval of zero and a setting of another transport, at their lines', () => {
    expect(problems(load('grpc'))).toContain(
      'test.yaml:5:14 load.transport.type: expected one of "http" | "sse" | "websocket" | "long-poll" | "poll", ' +
        'got "grpc"',
    );
    expect(problems(load('{ type: poll, interval: 0ms }'))).toContain(
      'test.yaml:5:38 load.transport.interval: expected at least 1ms, got "0ms"',
    );
    expect(problems(load('{ type: websocket, interval: 1s }'))).toContain(
      'load.transport.interval: interval goes only with transport poll',
    );
    const entry = problems(`name: t
backends:
  - { backend: redis, transport: websockets }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
`);
    expect(entry).toContain('test.yaml:3:34 backends[0].transport.type: expected one of');
    expect(entry).toContain('(did you mean "websocket"?)');
  });

  it('takes client-link faults on clients and instance[k].clients, not on an instance the cluster lacks', () => {
    const base = `name: t
cluster: { instances: 2 }
load: { phases: [{ duration: 10s, arrivalRate: 1 }] }
faults:
`;
    const s = parseScenario(
      `${base}  - { at: 1s, duration: 1s, target: clients, latency: 500ms }
  - { at: 2s, duration: 1s, target: "instance[1].clients", reset_peer: 0ms }
`,
      'x.yaml',
    );
    expect(s.faults.map((f) => f.target)).toEqual(['clients', 'instance[1].clients']);
    const text = problems(`${base}  - { at: 1s, duration: 1s, target: "instance[2].clients", reset_peer: 0ms }
  - { at: 1s, target: clients, kill: true }
  - { at: 1s, target: redis.clients, latency: 1ms }
  - { at: 1s, duration: 1s, target: clients, fraction: 10%, error: "ERR x" }
`);
    expect(text).toContain(
      'test.yaml:5:29 faults[0].target: instance[2] does not exist: the cluster has instances 0..1',
    );
    expect(text).toContain('faults[1].kill: kill does not apply to target clients');
    expect(text).toContain('faults[2].target: expected redis, instance[k], random-instance, clients');
    expect(text).toContain('faults[3].fraction: fraction does not apply to target clients');
  });
});
