/**
 * One backend's run: on a fresh cluster and an empty Redis keyspace, the seeded conversations and
 * the fault timeline, then its results. Everything it starts is stopped before it returns or throws.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { BackendDefinition } from '../backends/types.js';
import { Cluster } from '../cluster/cluster.js';
import type { CommandCounts, RedisServer } from '../cluster/redis.js';
import { type DriveSummary, drive } from '../driver/driver.js';
import { type RoutingName, createRouter } from '../driver/routing.js';
import { transports } from '../driver/transports/registry.js';
import { timelineMs } from '../driver/workload.js';
import type { PlannedFault } from '../faults/plan.js';
import { FaultTimeline } from '../faults/timeline.js';
import { compare } from '../gates/thresholds.js';
import { metricsOf } from '../metrics/block.js';
import { PhasedRecorder, phaseWindows } from '../metrics/phases.js';
import type { Recorder } from '../metrics/recorder.js';
import { METRICS, type MetricDef } from '../results/metrics.js';
import type { BackendResult } from '../results/schema.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';
import { round } from '../util/numbers.js';
import { faultResults, redisCounts, sumCounters } from './collect.js';
import { ClusterFaults } from './fault-actions.js';
import type { RunOptions } from './types.js';

/** A backend of the run with its definition and the routing it runs with, resolved once. */
export interface ResolvedBackend {
  spec: BackendSpec;
  def: BackendDefinition;
  /** The scenario's routing, or sticky for a backend that needs affinity. */
  routing: RoutingName;
  routingOverridden: boolean;
}

export function resolveBackend(scenario: Scenario, spec: BackendSpec, def: BackendDefinition): ResolvedBackend {
  const routing = def.routing === 'affinity' ? 'sticky' : scenario.cluster.routing;
  return { spec, def, routing, routingOverridden: routing !== scenario.cluster.routing };
}

/** Everything one backend's run needs from the run around it. */
export interface BackendRunContext {
  opts: RunOptions;
  backend: ResolvedBackend;
  /** The run's Redis; used only when the backend uses Redis. */
  redis: RedisServer | undefined;
  runId: string;
  plan: readonly PlannedFault[];
  /** Warnings of the run; this backend's are appended. */
  warnings: string[];
  /** Ends this backend early (interrupt, or a threshold with abortOnFail). */
  stop: AbortController;
  onAbort(reason: string): void;
}

/** The driver is suspect when its own event loop lags or it uses most of a core. */
const SATURATED_LAG_P99_MS = 50;
const SATURATED_CPU_CORES = 0.9;

/** Checks abortOnFail thresholds on what a backend measured so far; returns the text of the one that failed. */
function abortCheck(ctx: BackendRunContext, rec: Recorder, elapsedMs: number): string | undefined {
  for (const spec of ctx.opts.scenario.thresholds) {
    if (!spec.abortOnFail || spec.phase !== undefined || (spec.scope !== '*' && spec.scope !== ctx.backend.spec.label))
      continue;
    if (elapsedMs < spec.delayAbortEvalMs) continue;
    const def: MetricDef = METRICS[spec.metric];
    const value = def.phase?.(metricsOf(rec, elapsedMs, rec.sessions));
    // Nothing measured yet is not a failure during the run; the verdict at the end says "no data".
    if (value === undefined || value === null) continue;
    if (!compare(value, spec.op, spec.value)) return `${spec.metric} ${spec.text}`;
  }
  return undefined;
}

/** What the run is doing `elapsedMs` after the start of the load. */
function phaseAt(ctx: BackendRunContext, recorder: PhasedRecorder, elapsedMs: number, plannedMs: number): string {
  if (elapsedMs > plannedMs) return 'drain';
  if (elapsedMs < ctx.opts.scenario.load.warmup) return 'warmup';
  return recorder.phaseNameAt(elapsedMs) ?? 'load';
}

/** Every second: abortOnFail thresholds, and the observer's progress line. */
function watch(ctx: BackendRunContext, recorder: PhasedRecorder, driveStart: number): NodeJS.Timeout {
  const rec = recorder.overall;
  const { observer, scenario } = ctx.opts;
  const plannedMs = timelineMs(scenario.load);
  const label = ctx.backend.spec.label;
  return setInterval(() => {
    const elapsedMs = performance.now() - driveStart;
    const failed = abortCheck(ctx, rec, elapsedMs);
    if (failed && !ctx.stop.signal.aborted) {
      ctx.onAbort(`${label}: ${failed} failed with abortOnFail`);
      ctx.stop.abort();
    }
    const l = rec.latencySummary();
    const c = rec.counts;
    observer?.progress?.({
      label,
      elapsedMs,
      plannedMs,
      phase: phaseAt(ctx, recorder, elapsedMs, plannedMs),
      turns: rec.turns,
      intact: c.intact,
      lost: c.lost,
      errors: c.fail + c.info,
      p50: l.p50,
      p99: l.p99,
    });
  }, ctx.opts.progressEveryMs ?? 1000);
}

interface Measured {
  summary: DriveSummary;
  driver: BackendResult['driver'];
  before: CommandCounts | undefined;
  after: CommandCounts | undefined;
  startedAt: string;
  /** performance.now() when the backend's run began. */
  t0: number;
}

/** The parts of a backend's run its result is read from. */
interface Parts {
  cluster: Cluster;
  recorder: PhasedRecorder;
  timeline: FaultTimeline;
  faults: ClusterFaults;
}

/** The backend's result from what was measured and what its instances report. */
async function assemble(ctx: BackendRunContext, parts: Parts, m: Measured): Promise<BackendResult> {
  const { cluster, recorder, timeline, faults } = parts;
  const { spec, routing, routingOverridden } = ctx.backend;
  const warmup = ctx.opts.scenario.load.warmup;
  const overall = recorder.overall;
  const stats = await cluster.stats();
  const instances = cluster.instances.map((inst, i) => ({
    index: inst.index,
    rssBytes: stats[i]?.rssBytes ?? null,
    heapUsedBytes: stats[i]?.heapUsedBytes ?? null,
    counters: stats[i]?.counters ?? null,
  }));
  const rss = instances.flatMap((i) => (i.rssBytes === null ? [] : [i.rssBytes]));
  const rssTotal = rss.reduce((a, b) => a + b, 0);
  const series = overall.series();
  return {
    label: spec.label,
    backend: spec.backend,
    options: spec.options,
    routing,
    routingOverridden,
    startedAt: m.startedAt,
    durationMs: Math.round(performance.now() - m.t0),
    conversations: {
      started: m.summary.conversations,
      measured: overall.sessions,
      withLostTurn: overall.lostSessions.size,
      cut: m.summary.cut,
    },
    ...metricsOf(overall, m.summary.windowMs, overall.sessions),
    latencyHistogram: overall.encodedLatency(),
    redis: m.before && m.after ? redisCounts(m.before, m.after, overall) : null,
    instances,
    memory: {
      rssTotalBytes: rss.length ? rssTotal : null,
      rssMeanBytes: rss.length ? Math.round(rssTotal / rss.length) : null,
    },
    store: sumCounters(instances.map((i) => i.counters)),
    driver: m.driver,
    series,
    events: timeline.events.map((e) => ({ ...e, t: round(e.atMs / 1000, 3) })),
    ...faultResults(recorder, ctx.plan, (f) => faults.affects(f), series, warmup, warmup + m.summary.windowMs),
  };
}

/** Warnings about this backend's figures: a saturated driver, cut conversations, faults that failed. */
function warn(ctx: BackendRunContext, m: Measured, timeline: FaultTimeline): void {
  const label = ctx.backend.spec.label;
  const d = m.driver;
  if (d.saturated) {
    ctx.warnings.push(
      `${label}: the driver itself was saturated (event-loop lag p99 ${d.eventLoopLagP99Ms.toFixed(1)} ms, ` +
        `CPU ${(d.cpuCores * 100).toFixed(0)} % of a core); latency figures are suspect`,
    );
  }
  if (m.summary.cut > 0)
    ctx.warnings.push(`${label}: ${m.summary.cut} conversations were still running at the end and were cut`);
  for (const e of timeline.events)
    if (e.error) ctx.warnings.push(`${label}: fault "${e.fault}" could not ${e.type}: ${e.error}`);
}

export async function runBackend(ctx: BackendRunContext): Promise<BackendResult> {
  const { scenario, seed } = ctx.opts;
  const { spec, def, routing } = ctx.backend;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const redis = def.usesRedis ? ctx.redis : undefined;
  if (redis) await redis.reset();
  const before = redis ? await redis.commandCounts() : undefined;
  const cluster = await Cluster.up({ scenario, spec, def, redis, runId: ctx.runId, seed });
  const recorder = new PhasedRecorder(phaseWindows(ctx.plan, scenario.load.warmup));
  const transport = transports[scenario.load.transport]({
    targets: cluster.targets,
    requestTimeoutMs: scenario.load.requestTimeout,
  });
  const router = createRouter(routing, scenario.cluster.instances, seed);
  const faults = new ClusterFaults(cluster, redis, router, scenario.cluster.detectAfter);
  const timeline = new FaultTimeline(ctx.plan, faults);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let progress: NodeJS.Timeout | undefined;
  try {
    const driveStart = performance.now();
    progress = watch(ctx, recorder, driveStart);
    lag.enable();
    const cpuStart = process.cpuUsage();
    const summary = await drive({
      scenario,
      seed,
      transport,
      router,
      recorder,
      signal: ctx.stop.signal,
      onStart: () => timeline.start(),
    });
    const cpu = process.cpuUsage(cpuStart);
    const driveMs = performance.now() - driveStart;
    lag.disable();
    clearInterval(progress);
    // Undo what is still in effect (resume paused instances) before reading counters.
    await timeline.stop();
    faults.dispose();
    const lagP99 = lag.percentile(99) / 1e6;
    const cpuCores = (cpu.user + cpu.system) / 1000 / driveMs;
    const driver = {
      eventLoopLagP99Ms: round(lagP99, 2),
      eventLoopLagMaxMs: round(lag.max / 1e6, 2),
      cpuCores: round(cpuCores, 3),
      saturated: lagP99 > SATURATED_LAG_P99_MS || cpuCores > SATURATED_CPU_CORES,
    };
    const after = redis ? await redis.commandCounts() : undefined;
    const measured = { summary, driver, before, after, startedAt, t0 };
    warn(ctx, measured, timeline);
    return await assemble(ctx, { cluster, recorder, timeline, faults }, measured);
  } finally {
    clearInterval(progress);
    lag.disable();
    await timeline.stop();
    faults.dispose();
    recorder.destroy();
    await transport.close();
    await cluster.down();
    if (redis && !redis.owned) await redis.deletePrefix(cluster.keyPrefix).catch(() => 0);
  }
}
