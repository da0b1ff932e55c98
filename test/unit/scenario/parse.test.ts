import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { scenarioJsonSchema } from '../../../src/scenario/schema.js';

function issuesOf(text: string) {
  try {
    parseScenario(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioError');
}

const minimal = `name: t
load:
  phases: [{ duration: 1s, arrivalRate: 1 }]
`;

describe('parseScenario', () => {
  it('resolves defaults and boundary units', () => {
    const s = parseScenario(minimal, 'x.yaml');
    expect(s.backends.map((b) => b.label)).toEqual(['memory', 'sticky', 'replication', 'redis', 'two-tier']);
    expect(s.cluster.instances).toBe(4);
    expect(s.load.phases[0]!.duration).toBe(1000);
    expect(s.load.conversation.turns).toEqual({ min: 4, max: 12 });
    expect(s.cluster.service.modelTime).toEqual({ kind: 'lognormal', meanMs: 80, sdMs: 30 });
    expect(s.backends.find((b) => b.backend === 'redis')!.options).toMatchObject({ codec: 'json', ttl: 1_800_000, commandTimeout: 1000 });
  });

  it('reports a key typo, a bad duration and a negative rate together, each with line and column', () => {
    const err = issuesOf(`name: broken
cluster:
  instnces: 4
load:
  phases:
    - { duration: fast, arrivalRate: -5 }
`);
    expect(err.issues).toHaveLength(3);
    const text = err.format();
    expect(text).toContain('test.yaml:3:3 cluster.instnces: unknown key (did you mean "instances"?)');
    expect(text).toContain('test.yaml:6:19 load.phases[0].duration: expected a duration like "250ms" or "1.5s", got "fast"');
    expect(text).toContain('test.yaml:6:38 load.phases[0].arrivalRate: expected a number >= 0, got -5');
  });

  it('checks backend entries against their own options', () => {
    const err = issuesOf(`name: t
backends:
  - memroy
  - { backend: redis, codec: cbor, tll: 5m }
  - { backend: redis, label: redis-msgpack, codec: msgpack }
  - { backend: redis, label: redis-msgpack }
load: { phases: [{ duration: 1s, arrivalRate: 1 }] }
`);
    const text = err.format();
    expect(text).toContain('test.yaml:3:5 backends[0]: unknown backend "memroy" (did you mean "memory"?)');
    expect(text).toContain('backends[1].codec: expected one of "json" | "msgpack", got "cbor"');
    expect(text).toContain('backends[1].tll: unknown key (did you mean "ttl"?)');
    expect(text).toContain('backends[3]: backend label "redis-msgpack" is used twice');
  });

  it('reports a missing required key at its parent', () => {
    const err = issuesOf('name: t\nload:\n  warmup: 1s\n');
    expect(err.format()).toContain('test.yaml:3:3 load.phases: required, but missing');
  });

  it('reports YAML syntax errors with their position', () => {
    const err = issuesOf('name: t\nload: [unclosed\n');
    expect(err.issues[0]!.line).toBeGreaterThan(0);
    expect(err.issues[0]!.message).toMatch(/^YAML syntax/);
  });

  it('refuses a document that is not a mapping', () => {
    expect(issuesOf('- a\n- b\n').issues[0]!.message).toMatch(/expected a mapping/);
  });
});

describe('scenarioJsonSchema', () => {
  it('describes every top-level key and the backend names', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'backends', 'cluster', 'load', 'seed']));
    expect(JSON.stringify(schema)).toContain('two-tier');
  });
});

describe('faults', () => {
  it('report every cross-field problem at its key', () => {
    const err = issuesOf(`name: f
cluster: { instances: 4 }
load: { phases: [{ duration: 10s, arrivalRate: 5 }] }
faults:
  - { at: 2s, duration: 2s, target: redis, latency: 20ms, down: true }
  - { at: 2s, target: "instance[7]", kill: true }
  - { at: 2s, target: "instance[1]", pause: true }
  - { at: 2s, target: redis, kill: true }
  - { at: 2s, target: redis, fraction: 30% }
  - { at: 2s, target: rediss, down: true }
  - { at: 2s, target: redis, latency: 20ms, grace: 1s, toxicity: 2 }
`);
    const text = err.format();
    expect(text).toContain('test.yaml:5:59 faults[0].down: expected one action per fault, found latency and down');
    expect(text).toContain('test.yaml:6:15 faults[1].target: instance[7] does not exist: the cluster has instances 0..3');
    expect(text).toContain('test.yaml:7:38 faults[2].pause: a pause needs a duration');
    expect(text).toContain('faults[3].kill: kill does not apply to target redis');
    expect(text).toContain('faults[4].fraction: a per-command fault needs either latency or error');
    expect(text).toContain('faults[5].target: expected redis, instance[k], random-instance');
    expect(text).toContain('faults[6].toxicity: expected a probability like 0.3 or "30%", got 2');
  });

  it('say to quote instance[k] inside braces', () => {
    const err = issuesOf('name: x\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\nfaults:\n  - { at: 1s, target: instance[1], kill: true }\n');
    expect(err.issues[0]!.message).toContain('write "instance[1]" in quotes');
    expect(err.issues.length).toBeLessThanOrEqual(3);
  });
});
