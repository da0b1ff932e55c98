/**
 * Values that would validate but make a run meaningless are refused with their position, and so
 * are documents that would exhaust the parser (a YAML bomb, nesting without end); `--set` and
 * `${VAR}` override the file without editing it, checked by the same schema.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';

function problems(text: string, opts: Parameters<typeof parseScenario>[2] = {}): string {
  try {
    parseScenario(text, 's.yaml', opts);
  } catch (err) {
    if (err instanceof ScenarioError) return err.format();
    throw err;
  }
  throw new Error('the scenario was accepted');
}

const LOAD = 'load: { phases: [{ duration: 10s, arrivalRate: 5 }], drain: 2s }';

describe('bounds', () => {
  it('refuses sizes and rates a run cannot mean, each at its place', () => {
    const text = problems(`name: x
load:
  phases: [{ duration: 100000000000000000000000s, arrivalRate: 1e300 }]
  conversation: { messageBytes: 1..5GB }
cluster:
  service: { modelTime: 10m, maxBodyBytes: 0 }
`);
    expect(text).toContain('s.yaml:3:24 load.phases[0].duration: expected at most 24h');
    expect(text).toMatch(/s\.yaml:3:\d+ load\.phases\[0\]\.arrivalRate: expected a number <= 10000/);
    expect(text).toContain('load.conversation.messageBytes: expected at most 16MiB, got "1..5GB"');
    expect(text).toContain('cluster.service.modelTime: expected at most 2m, got "10m"');
    expect(text).toContain('cluster.service.maxBodyBytes: expected at least 1KiB, got 0');
  });

  it('refuses a message the service would answer with 413', () => {
    const text = problems(`name: x
${LOAD.replace('drain: 2s', 'drain: 2s, conversation: { messageBytes: 2KB..4KB }')}
cluster: { service: { maxBodyBytes: 2KiB } }
`);
    expect(text).toContain('load.conversation.messageBytes: expected messages of at most 1536 bytes');
  });

  it('puts every fault inside the run: none after the load, none past its end', () => {
    expect(problems(`name: x\n${LOAD}\nfaults:\n  - { at: 600h, target: "instance[0]", kill: true }\n`)).toContain(
      's.yaml:4:11 faults[0].at: expected at most 24h, got "600h"',
    );
    const text = problems(`name: x
${LOAD}
faults:
  - { at: 11s, target: redis, down: true }
  - { at: 9s, duration: 5s, target: redis, latency: 5ms }
`);
    expect(text).toContain('s.yaml:4:11 faults[0].at: expected a time before the load ends at 10s, got 11s');
    expect(text).toContain('faults[1].duration: the fault would end at 14s, after the run ends at 12s');
  });
});

describe('documents that would exhaust the parser', () => {
  it('a billion-laughs alias bomb is a positioned problem', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'name: [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    expect(problems(bomb)).toMatch(/^s\.yaml:2:\d+ aliases expand too far \(more than 100 expansions\)/);
  });

  it('nesting without end is a positioned problem, not a stack overflow', () => {
    const text = problems(`name: x\nload: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(text).toMatch(/^s\.yaml:2:\d+ nested deeper than 64 levels/);
    expect(text).not.toMatch(/call stack/i);
  });
});

describe('overrides', () => {
  it('--set changes a value, typed as YAML, and is checked by the same schema', () => {
    const s = parseScenario(`name: x\n${LOAD}\n`, 's.yaml', {
      set: ['load.phases[0].arrivalRate=50', 'cluster.instances=2'],
    });
    expect(s.load.phases[0]!.arrivalRate).toBe(50);
    expect(s.cluster.instances).toBe(2);
    const text = problems(`name: x\n${LOAD}\n`, { set: ['load.phases[0].arrivalRate=-1', 'nonsense'] });
    expect(text).toContain(
      'load.phases[0].arrivalRate: expected a number >= 0, got -1 (from --set load.phases[0].arrivalRate=-1)',
    );
    expect(text).toContain('--set "nonsense": expected path=value');
  });

  it('${VAR} and ${VAR:-default} come from the environment; a lone reference keeps its type', () => {
    const text = 'name: ${NAME:-fallback}\nload:\n  phases:\n    - duration: ${DUR}\n      arrivalRate: ${RATE}\n';
    const s = parseScenario(text, 's.yaml', { env: { DUR: '3s', RATE: '12' } });
    expect(s.name).toBe('fallback');
    expect(s.load.phases[0]).toMatchObject({ duration: 3000, arrivalRate: 12 });
    expect(problems(text, { env: { RATE: '12' } })).toBe(
      's.yaml:4:17 environment variable DUR is not set (write ${DUR:-default} for a default)',
    );
    expect(parseScenario(`name: "cost $\${X}"\n${LOAD}`, 's.yaml', { env: {} }).name).toBe('cost ${X}');
    // Inside { } a reference must be quoted, as any value with braces: the message says so.
    expect(problems(`name: x\nload: { phases: [{ duration: \${DUR}, arrivalRate: 1 }] }\n`)).toContain('in quotes');
  });
});
