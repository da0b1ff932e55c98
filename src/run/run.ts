/**
 * One run, end to end (DESIGN.md §2): for each backend of the scenario, on a fresh cluster and an
 * empty Redis keyspace, drive the same seeded conversations and collect the results. Everything it
 * starts is stopped before it returns or throws; an interrupt (the signal) ends the current backend
 * early and skips the rest, and what was measured is returned.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getBackend } from '../backends/registry.js';
import { type StoreCounters, emptyCounters } from '../backends/types.js';
import { type CommandCounts, type RedisOptions, RedisServer } from '../cluster/redis.js';
import { createRouter } from '../cluster/routing.js';
import { drive } from '../driver/driver.js';
import { timelineMs } from '../driver/plan.js';
import { transports } from '../driver/transports/registry.js';
import { UsageError } from '../errors.js';
import { type PlannedFault, planFaults } from '../faults/plan.js';
import { FaultTimeline } from '../faults/timeline.js';
import { initHistograms } from '../metrics/histogram.js';
import { PhasedRecorder, phaseWindows } from '../metrics/phases.js';
import type { Recorder, SecondStats } from '../metrics/recorder.js';
import { baselineBand, timeToRecover } from '../metrics/recovery.js';
import { METRICS, type MetricDef } from '../metrics/names.js';
import { type ThresholdSpec, compare } from '../gates/thresholds.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';
import { TOOL_VERSION } from '../util/version.js';
import { Cluster } from './cluster.js';
import { ClusterFaults } from './fault-actions.js';
import {
  type BackendResult, type Environment, type FaultImpact, type PhaseResult, RESULTS_SCHEMA_VERSION, type RedisCounts, type RunResults,
} from './results.js';
import { metricsOf, ratio, round } from './summary.js';

/** Live view of a backend's progress, for the terminal. */
export interface Progress {
  label: string;
  elapsedMs: number;
  plannedMs: number;
  turns: number;
  intact: number;
  lost: number;
  errors: number;
  p50: number;
  p99: number;
}

export interface RunObserver {
  backendStarting?(spec: BackendSpec, index: number, total: number, routing: string): void;
  progress?(p: Progress): void;
  backendDone?(result: BackendResult): void;
  warning?(message: string): void;
}

export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  seed: number;
  redis: RedisOptions;
  signal: AbortSignal;
  observer?: RunObserver;
  /** How often observer.progress is called, ms. */
  progressEveryMs?: number;
  /** The scenario's thresholds; those with abortOnFail are checked every second during a backend's run. */
  thresholds?: readonly ThresholdSpec[];
}

/** Checks abortOnFail thresholds on what a backend measured so far; returns the one that failed. */
function abortCheck(specs: readonly ThresholdSpec[], label: string, rec: Recorder, elapsedMs: number): ThresholdSpec | undefined {
  for (const spec of specs) {
    if (!spec.abortOnFail || spec.phase !== undefined || (spec.scope !== '*' && spec.scope !== label)) continue;
    if (elapsedMs < spec.delayAbortEvalMs) continue;
    const def: MetricDef = METRICS[spec.metric];
    if (!def.phase || rec.turns === 0) continue;
    if (!compare(def.phase(metricsOf(rec, elapsedMs, rec.sessions)), spec.op, spec.value)) return spec;
  }
  return undefined;
}

/** The driver is suspect when its own event loop lags or it uses most of a core. */
const SATURATED_LAG_P99_MS = 50;
const SATURATED_CPU_CORES = 0.9;

function environment(redis: RedisServer | undefined): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    redisVersion: redis?.version ?? null,
    redisMode: redis ? (redis.owned ? 'spawned' : 'external') : 'none',
  };
}

function sumCounters(list: (StoreCounters | null)[]): StoreCounters {
  const total = emptyCounters();
  for (const c of list) if (c) for (const k of Object.keys(total) as (keyof StoreCounters)[]) total[k] += c[k];
  return total;
}

/** Redis's own counts of this backend's run: after minus before, per command and per turn. */
function redisCounts(before: CommandCounts, after: CommandCounts, rec: Recorder): RedisCounts {
  const byCommand: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byCommand)) {
    const d = v - (before.byCommand[k] ?? 0);
    if (d > 0) byCommand[k] = d;
  }
  return {
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    readsPerTurn: ratio(after.reads - before.reads, rec.allTurnsWithCookie),
    writesPerTurn: ratio(after.writes - before.writes, rec.allTurns),
    byCommand,
  };
}

/** Per phase metrics, per fault impact and recovery time, on the measurement's time line. */
function faultResults(
  rec: PhasedRecorder,
  faults: readonly PlannedFault[],
  series: SecondStats[],
  warmupMs: number,
  endMs: number,
): { phases: PhaseResult[]; faults: FaultImpact[] } {
  const sec = (ms: number) => round((ms - warmupMs) / 1000, 3);
  // A phase no turn fell into (recovery after a fault that lasts to the end) says nothing.
  const phases = rec.phases.filter((p) => p.window.kind !== 'recovery' || p.recorder.turns > 0).map(({ window, recorder }) => {
    const span = (window.endMs ?? endMs) - Math.max(window.startMs, warmupMs);
    return {
      name: window.name,
      kind: window.kind,
      startSec: sec(Math.max(window.startMs, warmupMs)),
      endSec: window.endMs === null ? null : sec(window.endMs),
      ...metricsOf(recorder, span, recorder.conversations.size),
    };
  });
  const base = rec.phases[0]?.window;
  const band = base ? baselineBand(series, sec(base.startMs), sec(base.endMs!)) : undefined;
  const impacts = faults.map((f) => {
    const { active, lostContext } = rec.impactAt(f.atMs);
    return {
      fault: f.name,
      activeConversations: active,
      lostContext,
      lostContextRate: ratio(lostContext, active),
      timeToRecoverSec: band ? timeToRecover(series, band, sec(f.endMs ?? f.atMs)) : null,
    };
  });
  return { phases, faults: impacts };
}

async function runBackend(
  opts: RunOptions,
  spec: BackendSpec,
  redis: RedisServer | undefined,
  runId: string,
  plan: PlannedFault[],
  warnings: string[],
  stop: AbortController,
  onAbort: (reason: string) => void,
): Promise<BackendResult> {
  const { scenario, observer } = opts;
  const def = getBackend(spec.backend)!;
  const routing = def.routing === 'affinity' ? 'sticky' : scenario.cluster.routing;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  if (def.usesRedis) await redis!.reset();
  const before: CommandCounts | undefined = def.usesRedis ? await redis!.commandCounts() : undefined;
  const cluster = await Cluster.up(scenario, spec, redis, runId, opts.seed);
  const recorder = new PhasedRecorder(phaseWindows(plan, scenario.load.warmup));
  const overall = recorder.overall;
  const transport = transports[scenario.load.transport]({ targets: cluster.targets, requestTimeoutMs: scenario.load.requestTimeout });
  const router = createRouter(routing, scenario.cluster.instances, opts.seed);
  const faults = new ClusterFaults(cluster, def.usesRedis ? redis : undefined, router, scenario.cluster.detectAfter);
  const timeline = new FaultTimeline(plan, faults);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    const plannedMs = timelineMs(scenario.load);
    const driveStart = performance.now();
    progressTimer = setInterval(() => {
      const failed = abortCheck(opts.thresholds ?? [], spec.label, overall, performance.now() - driveStart);
      if (failed && !stop.signal.aborted) {
        onAbort(`${spec.label}: ${failed.metric} ${failed.text} failed with abortOnFail`);
        stop.abort();
      }
      const l = overall.latencySummary();
      observer?.progress?.({
        label: spec.label,
        elapsedMs: performance.now() - driveStart,
        plannedMs,
        turns: overall.turns,
        intact: overall.counts.intact,
        lost: overall.counts.lost,
        errors: overall.counts.fail + overall.counts.info,
        p50: l.p50,
        p99: l.p99,
      });
    }, opts.progressEveryMs ?? 1000);
    lag.enable();
    const cpuStart = process.cpuUsage();
    const summary = await drive({ scenario, seed: opts.seed, transport, router, recorder, signal: stop.signal, onStart: () => timeline.start() });
    const cpu = process.cpuUsage(cpuStart);
    const driveMs = performance.now() - driveStart;
    lag.disable();
    clearInterval(progressTimer);
    // Undo what is still in effect (resume paused instances) before reading counters.
    await timeline.stop();
    faults.dispose();

    const after = def.usesRedis ? await redis!.commandCounts() : undefined;
    const stats = await cluster.stats();
    const instances = cluster.instances.map((inst, i) => ({
      index: inst.index,
      rssBytes: stats[i]?.rssBytes ?? null,
      heapUsedBytes: stats[i]?.heapUsedBytes ?? null,
      counters: stats[i]?.counters ?? null,
    }));
    const rss = instances.map((i) => i.rssBytes ?? 0);
    const lagP99 = lag.percentile(99) / 1e6;
    const cpuCores = (cpu.user + cpu.system) / 1000 / driveMs;
    const saturated = lagP99 > SATURATED_LAG_P99_MS || cpuCores > SATURATED_CPU_CORES;
    if (saturated) {
      warnings.push(
        `${spec.label}: the driver itself was saturated (event-loop lag p99 ${lagP99.toFixed(1)} ms, CPU ${(cpuCores * 100).toFixed(0)} % of a core); latency figures are suspect`,
      );
    }
    if (summary.cut > 0) warnings.push(`${spec.label}: ${summary.cut} conversations were still running at the end and were cut`);
    for (const e of timeline.events) if (e.error) warnings.push(`${spec.label}: fault "${e.fault}" could not ${e.type}: ${e.error}`);
    const series = overall.series();
    const warmup = scenario.load.warmup;
    return {
      label: spec.label,
      backend: spec.backend,
      options: spec.options,
      routing,
      routingOverridden: routing !== scenario.cluster.routing,
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      conversations: { started: summary.conversations, measured: overall.sessions, withLostTurn: overall.lostSessions.size, cut: summary.cut },
      ...metricsOf(overall, summary.windowMs, overall.sessions),
      latencyHistogram: overall.encodedLatency(),
      redis: before && after ? redisCounts(before, after, overall) : null,
      instances,
      memory: { rssTotalBytes: rss.reduce((a, b) => a + b, 0), rssMeanBytes: Math.round(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length)) },
      store: sumCounters(instances.map((i) => i.counters)),
      driver: { eventLoopLagP99Ms: round(lagP99, 2), eventLoopLagMaxMs: round(lag.max / 1e6, 2), cpuCores: round(cpuCores, 3), saturated },
      series,
      events: timeline.events.map((e) => ({ ...e, t: round((e.atMs - warmup) / 1000, 3) })),
      ...faultResults(recorder, plan, series, warmup, warmup + summary.windowMs),
    };
  } finally {
    clearInterval(progressTimer);
    lag.disable();
    await timeline.stop();
    faults.dispose();
    recorder.destroy();
    await transport.close();
    await cluster.down();
    if (redis && !redis.owned && def.usesRedis) await redis.deletePrefix(cluster.keyPrefix).catch(() => 0);
  }
}

/** Run every backend of the scenario; returns what was measured (also when interrupted). */
export async function run(opts: RunOptions): Promise<RunResults> {
  await initHistograms();
  const startedAt = new Date().toISOString();
  const runId = randomBytes(4).toString('hex');
  const warnings: string[] = [];
  const plan = planFaults(opts.scenario.faults, opts.scenario.cluster.instances, opts.seed);
  const needsRedis = opts.scenario.backends.some((b) => getBackend(b.backend)!.usesRedis);
  if (needsRedis && opts.redis.url && plan.some((f) => f.action.kind === 'restart')) {
    throw new UsageError('the scenario restarts Redis, which needs a redis-server sessbench starts itself', 'drop --redis-url for this scenario');
  }
  const redis = needsRedis ? await RedisServer.start(opts.redis) : undefined;
  if (redis && !redis.owned) {
    warnings.push('Redis is an external server (--redis-url): its command counts include any other client\'s traffic');
  }
  const results: BackendResult[] = [];
  // Ends the run early: an interrupt, or a threshold with abortOnFail.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  opts.signal.addEventListener('abort', onInterrupt, { once: true });
  let abortedBy: string | null = null;
  try {
    const specs = opts.scenario.backends;
    for (let i = 0; i < specs.length && !stop.signal.aborted; i++) {
      const spec = specs[i]!;
      const def = getBackend(spec.backend)!;
      opts.observer?.backendStarting?.(spec, i, specs.length, def.routing === 'affinity' ? 'sticky' : opts.scenario.cluster.routing);
      const result = await runBackend(opts, spec, redis, runId, plan, warnings, stop, (reason) => (abortedBy = reason));
      results.push(result);
      opts.observer?.backendDone?.(result);
    }
  } finally {
    opts.signal.removeEventListener('abort', onInterrupt);
    await redis?.stop();
  }
  if (abortedBy) warnings.push(`the run was ended early: ${abortedBy}`);
  for (const w of warnings) opts.observer?.warning?.(w);
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'sessbench', version: TOOL_VERSION },
    scenarioFile: opts.scenarioFile,
    scenario: opts.scenario,
    seed: opts.seed,
    startedAt,
    finishedAt: new Date().toISOString(),
    interrupted: opts.signal.aborted,
    abortedBy,
    environment: environment(redis),
    warnings,
    faults: plan,
    backends: results,
    thresholds: [],
  };
}
