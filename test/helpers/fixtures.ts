/**
 * Small, hand-made results objects for reporter, threshold and compare tests: the shape of a real
 * results.json without running anything.
 */
import type { MetricsBlock } from '../../src/results/blocks.js';
import type { BackendResult, PhaseResult, RunResults, SecondStats } from '../../src/results/schema.js';
import hdr from 'hdr-histogram-js';

const lat = (p50: number, p99: number) => ({ count: 1000, mean: p50, p50, p90: (p50 + p99) / 2, p99, p999: p99 * 1.2, max: p99 * 1.5 });

function histogram(p50: number): string {
  const h = hdr.build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < 1000; i++) h.recordValue(Math.round(p50 * 1000 * (0.5 + i / 1000)));
  const s = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return s;
}

function block(opts: { p50: number; p99: number; lost?: number; errors?: number; turns?: number }): MetricsBlock {
  const turns = opts.turns ?? 1000;
  const lost = opts.lost ?? 0;
  const errors = opts.errors ?? 0;
  return {
    turns: { total: turns, intact: turns - lost - errors, lost, stale: 0, diverged: 0, fail: errors, info: 0, withContext: turns * 0.8, lateStarts: 0, recovered: 0 },
    rates: { turnLoss: lost / (turns * 0.8), sessionLoss: lost ? 0.5 : 0, stale: 0, diverged: 0, errors: errors / turns },
    errorsByKind: errors ? { unavailable: errors } : {},
    staleLagMean: 0,
    latencyMs: lat(opts.p50, opts.p99),
    serviceMs: lat(opts.p50, opts.p99),
    failedMs: lat(0, 0),
    throughput: { windowSec: 20, offeredTurnsPerSec: turns / 20, achievedTurnsPerSec: (turns - errors) / 20 },
  };
}

/** A per-second series around p50/p99 with a little noise (deterministic). */
function series(p50: number, p99: number, seconds = 20, turnsPerSec = 50): SecondStats[] {
  return Array.from({ length: seconds }, (_, t) => {
    const wiggle = ((t * 37) % 7) / 7 - 0.5;
    return { t, turns: turnsPerSec, intact: turnsPerSec, lost: 0, stale: 0, diverged: 0, fail: 0, info: 0, p50: p50 + wiggle, p99: p99 + 2 * wiggle };
  });
}

export function backendResult(label: string, backend: string, opts: { p50: number; p99: number; lost?: number; errors?: number; redis?: boolean; phases?: PhaseResult[] }): BackendResult {
  return {
    label,
    backend,
    options: {},
    routing: 'round-robin',
    routingOverridden: false,
    startedAt: '2026-11-21T10:00:00.000Z',
    durationMs: 25_000,
    conversations: { started: 200, measured: 200, withLostTurn: opts.lost ? 100 : 0, cut: 0 },
    ...block(opts),
    latencyHistogram: histogram(opts.p50),
    redis: opts.redis ? { reads: 800, writes: 1000, readsPerTurn: 1, writesPerTurn: 1, byCommand: { get: 800, set: 1000 } } : null,
    instances: [{ index: 0, rssBytes: 70_000_000, heapUsedBytes: 10_000_000, counters: null, sessionBytes: null }],
    memory: { rssTotalBytes: 280_000_000, rssMeanBytes: 70_000_000 },
    store: { localHits: 0, remoteReads: 0, remoteWrites: 0, bytesRead: 0, bytesWritten: 0, errors: 0, conflicts: 0 },
    // A Redis-backed backend stores sessions of about 3 KB; the others encode nothing.
    sessionBytes: opts.redis ? { count: 1000, mean: 3100, p50: 2900, p99: 6200, max: 7100 } : null,
    bytesPerTurn: opts.redis ? { read: 2900, written: 3100 } : { read: null, written: null },
    redisMemory: opts.redis ? { usedBytes: 2_100_000, usedAtStartBytes: 1_000_000, keys: 200, sampledKeys: 100, keyBytesMean: 3300 } : null,
    driver: { eventLoopLagP99Ms: 11, eventLoopLagMaxMs: 20, cpuCores: 0.2, saturated: false },
    series: series(opts.p50, opts.p99),
    events: [],
    phases: opts.phases ?? [],
    faults: [],
  };
}

/** Two backends (memory, redis) of a run with one fault named "hiccup". */
export function fixtureResults(overrides: { name?: string; redisP50?: number; redisP99?: number } = {}): RunResults {
  const p50 = overrides.redisP50 ?? 20;
  const p99 = overrides.redisP99 ?? 25;
  const phase = (name: string, kind: PhaseResult['kind'], extra: number): PhaseResult => ({
    name, kind, startSec: kind === 'baseline' ? 0 : 5, endSec: kind === 'fault' ? 10 : null, ...block({ p50: p50 + extra, p99: p99 + extra }),
  });
  return {
    schemaVersion: 3,
    tool: { name: 'sessbench', version: '0.1.0' },
    scenarioFile: 'scenarios/fixture.yaml',
    scenario: {
      name: overrides.name ?? 'fixture',
      backends: [],
      cluster: { instances: 4, routing: 'round-robin', detectAfter: 1000, service: { modelTime: { kind: 'constant', valueMs: 20 }, replyBytes: 600, historyTurns: 50, maxBodyBytes: 65536 } },
      load: { warmup: 1000, phases: [{ duration: 20_000, arrivalRate: 10 }], arrivals: 'constant', conversation: { turns: { min: 4, max: 8 }, thinkTime: { min: 100, max: 300 }, messageBytes: { min: 50, max: 400 } }, transport: 'http', drain: 5000, requestTimeout: 30_000 },
      faults: [],
      thresholds: {},
    },
    seed: 42,
    startedAt: '2026-11-21T10:00:00.000Z',
    finishedAt: '2026-11-21T10:01:00.000Z',
    interrupted: false,
    abortedBy: null,
    environment: { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 2, totalMemoryBytes: 1e10, redisVersion: '7.0.15', redisMode: 'spawned' },
    warnings: [],
    faults: [{ index: 0, name: 'hiccup', target: 'redis', resolvedTarget: { kind: 'redis' }, action: { kind: 'toxic', toxic: { type: 'latency', params: { latency: 5 }, direction: 'downstream', toxicity: 1 } }, atMs: 6000, endMs: 11_000 }],
    backends: [
      backendResult('memory', 'memory', { p50: 18, p99: 22, lost: 500 }),
      backendResult('redis', 'redis', { p50, p99, redis: true, phases: [phase('baseline', 'baseline', 0), phase('hiccup', 'fault', 10), phase('recovery', 'recovery', 0)] }),
    ],
    thresholds: [],
  };
}
