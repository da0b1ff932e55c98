/**
 * The transport scenarios through the real CLI, time-scaled, with the acceptance figures: the four
 * transports side by side (what each adds to a reply), TTFT under an injected Redis latency,
 * WebSocket conversations through an instance crash, and a reset of one instance's client links.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MEMORY_MIN_OPEN } from '../../src/driver/transports/stats.js';
import { arrivals, planConversation } from '../../src/driver/workload.js';
import type { BackendResult, PhaseResult, RunResults } from '../../src/results/schema.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { type CliResult, runCli, scaled, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function run(file: string): Promise<{ r: RunResults; cli: CliResult }> {
  const cli = await runCli(['run', file, '--json', '--out', join(tmp.dir, 'reports')]);
  expect(cli.code, cli.stderr).toBe(0);
  const r = JSON.parse(cli.stdout) as RunResults;
  expect(r.interrupted).toBe(false);
  return { r, cli };
}
const backend = (r: RunResults, label: string): BackendResult => r.backends.find((b) => b.label === label)!;
const phase = (b: BackendResult, kind: PhaseResult['kind']): PhaseResult => b.phases.find((p) => p.kind === kind)!;

describe('transport scenarios', () => {
  it('transports: one table; polling adds P/2, the others nothing; TTFT is the first-token time', async () => {
    // Twice the arrivals for half as long, and shorter conversations: polling's turns take a second
    // each, and over 100 of them finish within the drain.
    const { r, cli } = await run(
      scaled('transports.yaml', tmp.dir, 0.3, [
        [['load', 'phases'], [{ duration: '5s', arrivalRate: 10 }]],
        [['load', 'conversation', 'turns'], '3..5'],
        [['load', 'drain'], '5s'],
      ]),
    );
    // One table compares the four transports (the terminal's goes to stderr with --json).
    const table = cli.stderr.slice(cli.stderr.indexOf('Transports'));
    for (const label of ['redis-poll', 'redis-long-poll', 'redis-sse', 'redis-ws']) expect(table).toContain(label);
    for (const b of r.backends) {
      expect(b.turns.fail + b.turns.info, b.label).toBe(0);
      expect(b.turns.total, b.label).toBeGreaterThan(100);
    }
    const poll = backend(r, 'redis-poll').delivery!;
    expect(poll.deliveryMs.mean).toBeGreaterThanOrEqual(500 * 0.85);
    expect(poll.deliveryMs.mean).toBeLessThanOrEqual(500 * 1.15);
    expect(poll.requestsPerTurn).toBeGreaterThan(1.4);
    // What the others add is a few ms at most (about 1–2 ms at p50 on a quiet machine, measured by the
    // scenario itself); the bound here only sets them apart from polling, on a machine that may be busy.
    for (const label of ['redis-long-poll', 'redis-sse', 'redis-ws']) {
      const d = backend(r, label).delivery!;
      expect(d.deliveryMs.p50, label).toBeLessThanOrEqual(10);
    }
    expect(backend(r, 'redis-long-poll').delivery!.requestsPerTurn).toBeCloseTo(2, 1);
    for (const label of ['redis-sse', 'redis-ws']) {
      const d = backend(r, label).delivery!;
      expect(d.requestsPerTurn, label).toBe(1);
      expect(d.ttftMs.p50, label).toBeGreaterThanOrEqual(200 * 0.9);
      expect(d.ttftMs.p50, label).toBeLessThanOrEqual(200 * 1.1);
      expect(d.tokenGapMs.p50, label).toBeGreaterThan(15);
    }
    const [folder] = readdirSync(join(tmp.dir, 'reports'));
    expect(readFileSync(join(tmp.dir, 'reports', folder!, 'report.md'), 'utf8')).toContain('## Transports');
    expect(readFileSync(join(tmp.dir, 'reports', folder!, 'report.html'), 'utf8')).toContain('<h2>Transports</h2>');
  }, 150_000);

  it('TTFT rises by one Redis round trip × an injected Redis latency (±15 %)', async () => {
    const file = scaled('transports.yaml', tmp.dir, 0.4, [
      [['backends'], [{ backend: 'redis', label: 'redis-ws', transport: 'websocket' }]],
      [['faults'], [{ at: '3s', duration: '3s', target: 'redis', latency: '50ms' }]],
    ]);
    const { r } = await run(file);
    const ws = backend(r, 'redis-ws');
    // The redis backend reads the session (GET) before the model's first token; the write comes after.
    // Against the recovery after the fault: the baseline's first seconds run on instances not yet warm.
    const delta = phase(ws, 'fault').delivery!.ttftMs.p50! - phase(ws, 'recovery').delivery!.ttftMs.p50!;
    expect(delta).toBeGreaterThanOrEqual(50 * 0.85);
    expect(delta).toBeLessThanOrEqual(50 * 1.15);
  }, 90_000);

  it('websocket-instance-crash: the affected reconnect; redis and two-tier keep context, sticky not', async () => {
    const { r } = await run(scaled('websocket-instance-crash.yaml', tmp.dir, 0.5));
    for (const b of r.backends) {
      const c = b.connections!;
      expect(c.transport).toBe('websocket');
      expect(c.reconnectsByInstance[1], b.label).toBeGreaterThan(3);
      expect(c.reconnectsByInstance.filter((_, i) => i !== 1), b.label).toEqual([0, 0, 0]);
      expect(c.abandoned, b.label).toBe(0);
      expect(c.disconnectedSec, b.label).toBeGreaterThan(0);
      expect(b.turns.diverged, b.label).toBe(0);
    }
    expect(backend(r, 'sticky').faults[0]!.lostContext).toBeGreaterThan(0);
    for (const label of ['redis', 'two-tier']) expect(backend(r, label).faults[0]!.lostContext, label).toBe(0);
  }, 150_000);

  it('reset_peer on instance[1].clients: exactly its conversations reconnect, no turn counted twice', async () => {
    const file = scaled('websocket-instance-crash.yaml', tmp.dir, 0.4, [
      [['backends'], ['redis']],
      [['faults'], [{ at: '3s', duration: '150ms', target: 'instance[1].clients', reset_peer: '0ms' }]],
      // Short conversations and a long drain: none is cut, so every planned turn must be counted.
      [['load', 'conversation', 'turns'], '6..10'],
      [['load', 'drain'], '10s'],
    ]);
    const { r } = await run(file);
    const b = r.backends[0]!;
    const c = b.connections!;
    expect(c.reconnectsByInstance[1]).toBeGreaterThan(2);
    expect(c.reconnectsByInstance.filter((_, i) => i !== 1)).toEqual([0, 0, 0]);
    expect(b.turns.lost + b.turns.diverged + b.turns.fail + b.turns.info).toBe(0);
    // Every planned turn of every measured conversation was counted, once.
    const s = parseScenario(readFileSync(file, 'utf8'), file);
    let planned = 0;
    for (const a of arrivals(s.load, r.seed)) if (a.measured) planned += planConversation(s, r.seed, a).turns.length;
    expect(b.conversations.cut).toBe(0);
    expect(b.turns.total).toBe(planned);
  }, 90_000);

  it('websocket-scale (scaled down): every conversation holds a connection at once', async () => {
    const { r } = await run(
      scaled('websocket-scale.yaml', tmp.dir, 0.15, [
        [['load', 'phases'], [{ duration: '2s', arrivalRate: 150 }]],
        [['load', 'conversation', 'turns'], '4..5'],
        [['load', 'conversation', 'thinkTime'], '1500ms..2s'],
      ]),
    );
    const b = r.backends[0]!;
    const c = b.connections!;
    expect(c.connects).toBe(b.conversations.started);
    // Every conversation arrives within 2 s and lasts at least 4.5 s: all are open at once.
    expect(c.openMax).toBe(b.conversations.started);
    // 300 open at once: fewer than MEMORY_MIN_OPEN, so no memory figure from the heap's noise.
    expect(c.openMax).toBeLessThan(MEMORY_MIN_OPEN);
    expect(c.memoryPerConnectionBytes).toBeNull();
    expect(b.turns.fail + b.turns.info + b.conversations.cut).toBe(0);
  }, 90_000);
});
