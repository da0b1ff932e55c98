/**
 * One backend's run: on a fresh cluster and an empty Redis keyspace, the seeded conversations and
 * the fault timeline, then its results. Everything it starts is stopped before it returns or throws.
 */
import { performance } from 'node:perf_hooks';
import { sizeSummary } from '../backends/session-sizes.js';
import type { BackendDefinition } from '../backends/types.js';
import { Cluster } from '../cluster/cluster.js';
import type { InstanceStats } from '../cluster/instances.js';
import type { Deployment } from '../cluster/topologies/types.js';
import type { CommandCounts, RedisServer } from '../cluster/redis.js';
import type { DriveSummary } from '../driver/driver.js';
import type { RoutingName } from '../driver/routing.js';
import { timelineMs } from '../driver/workload.js';
import type { PlannedFault } from '../faults/plan.js';
import { ProxyHost } from '../faults/proxy-host.js';
import { FaultTimeline } from '../faults/timeline.js';
import { compare } from '../gates/thresholds.js';
import { metricsOf } from '../metrics/block.js';
import { PhasedRecorder, phaseWindows, stepWindows } from '../metrics/phases.js';
import type { Recorder } from '../metrics/recorder.js';
import { METRICS, type MetricDef } from '../results/metrics.js';
import type { RedisMemory } from '../results/blocks.js';
import type { BackendResult } from '../results/schema.js';
import type { BackendSpec, Scenario } from '../scenario/schema.js';
import type { TransportSpec } from '../scenario/transport.js';
import { round } from '../util/numbers.js';
import { bytesPerTurn, capacityOf, faultResults, redisCounts, redisMemory, sumCounters } from './collect.js';
import { type DriverLoad, type Driving, startDriving } from './driving.js';
import { type LoadClock, deploy, topologyOf } from './deploy.js';
import { ClusterFaults } from './fault-actions.js';
import type { RunOptions } from './types.js';

/** A backend of the run with its definition and the routing it runs with, resolved once. */
export interface ResolvedBackend {
  spec: BackendSpec;
  def: BackendDefinition;
  /** The scenario's routing, or sticky for a backend that needs affinity. */
  routing: RoutingName;
  routingOverridden: boolean;
  /** The backend entry's transport, or the scenario's. */
  transport: TransportSpec;
}

export function resolveBackend(scenario: Scenario, spec: BackendSpec, def: BackendDefinition): ResolvedBackend {
  const routing = def.routing === 'affinity' ? 'sticky' : scenario.cluster.routing;
  const transport = spec.transport ?? scenario.load.transport;
  return { spec, def, routing, routingOverridden: routing !== scenario.cluster.routing, transport };
}

/** Everything one backend's run needs from the run around it. */
export interface BackendRunContext {
  opts: RunOptions;
  backend: ResolvedBackend;
  /** The run's own server; used by a backend on a single Redis (the other topologies start their own). */
  redis: RedisServer | undefined;
  runId: string;
  plan: readonly PlannedFault[];
  /** Warnings of the run; this backend's are appended. */
  warnings: string[];
  /** Ends this backend early (interrupt, or a threshold with abortOnFail). */
  stop: AbortController;
  onAbort(reason: string): void;
}

/** A thread or process busy more than this share of the time is saturated: its figures are suspect. */
const SATURATED_UTILIZATION = 0.9;
/** The driver's own event loop lagging this much makes its latency figures suspect too. */
const SATURATED_LAG_P99_MS = 50;

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
function watch(ctx: BackendRunContext, recorder: PhasedRecorder, driving: Driving, driveStart: number): NodeJS.Timeout {
  const { observer, scenario } = ctx.opts;
  const plannedMs = timelineMs(scenario.load);
  const label = ctx.backend.spec.label;
  return setInterval(() => {
    const elapsedMs = performance.now() - driveStart;
    const { recorder: rec, release } = driving.live();
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
    release();
  }, ctx.opts.progressEveryMs ?? 1000);
}

interface Measured {
  summary: DriveSummary;
  driver: BackendResult['driver'];
  connections: NonNullable<BackendResult['connections']>;
  before: CommandCounts | undefined;
  after: CommandCounts | undefined;
  redisMemory: RedisMemory | null;
  startedAt: string;
  /** performance.now() when the backend's run began. */
  t0: number;
  /** What each instance reported at the end (undefined: gone or silent). */
  stats: (InstanceStats | undefined)[];
  /** Each instance's CPU over the backend's run, in cores (null: no report). */
  instanceCores: (number | null)[];
}

/** The parts of a backend's run its result is read from. */
interface Parts {
  cluster: Cluster;
  deployment: Deployment | undefined;
  recorder: PhasedRecorder;
  timeline: FaultTimeline;
  faults: ClusterFaults;
}

/** The backend's result from what was measured and what its instances report. */
async function assemble(ctx: BackendRunContext, parts: Parts, m: Measured): Promise<BackendResult> {
  const { cluster, deployment, recorder, timeline, faults } = parts;
  const { spec, routing, routingOverridden } = ctx.backend;
  const warmup = ctx.opts.scenario.load.warmup;
  const overall = recorder.overall;
  const stats = m.stats;
  const instances = cluster.instances.map((inst, i) => ({
    index: inst.index,
    rssBytes: stats[i]?.rssBytes ?? null,
    heapUsedBytes: stats[i]?.heapUsedBytes ?? null,
    cpuCores: m.instanceCores[i] ?? null,
    counters: stats[i]?.counters ?? null,
    sessionBytes: sizeSummary([stats[i]?.sessionSizes]),
  }));
  const store = sumCounters(instances.map((i) => i.counters));
  const rss = instances.flatMap((i) => (i.rssBytes === null ? [] : [i.rssBytes]));
  const rssTotal = rss.reduce((a, b) => a + b, 0);
  const series = overall.series();
  const { load } = ctx.opts.scenario;
  const phased = faultResults(
    recorder,
    ctx.plan,
    (f) => faults.affects(f),
    series,
    warmup,
    warmup + m.summary.windowMs,
  );
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
    redisTopology: deployment ? await deployment.result() : null,
    instances,
    memory: {
      rssTotalBytes: rss.length ? rssTotal : null,
      rssMeanBytes: rss.length ? Math.round(rssTotal / rss.length) : null,
    },
    store,
    sessionBytes: sizeSummary(stats.map((s) => s?.sessionSizes)),
    bytesPerTurn: bytesPerTurn(store, overall),
    redisMemory: m.redisMemory,
    driver: m.driver,
    connections: m.connections,
    series,
    events: timeline.events.map((e) => ({ ...e, t: round(e.atMs / 1000, 3) })),
    ...phased,
    ...(load.slo
      ? {
          capacity: capacityOf(
            phased.phases,
            load.phases.map((p) => p.arrivalRate),
            load.slo,
          ),
        }
      : {}),
  };
}

/** Warnings about this backend's figures: a saturated driver, cut conversations, faults that failed. */
function warn(ctx: BackendRunContext, m: Measured, timeline: FaultTimeline): void {
  const label = ctx.backend.spec.label;
  const d = m.driver;
  const pct = (x: number | undefined) => `${Math.round((x ?? 0) * 100)} %`;
  if (d.saturatedBy?.includes('driver')) {
    ctx.warnings.push(
      `${label}: the driver itself was saturated (busiest driver thread busy ${pct(d.utilization)} of the time, ` +
        `event-loop lag p99 ${d.eventLoopLagP99Ms.toFixed(1)} ms); latency figures are suspect: ` +
        `run with --workers ${(d.workers ?? 1) + 1}`,
    );
  }
  if (d.saturatedBy?.includes('proxy')) {
    ctx.warnings.push(
      `${label}: the fault proxy thread was busy ${pct(d.proxyUtilization)} of the time; relayed latency is suspect`,
    );
  }
  const busiest = m.instanceCores.reduce<[number, number]>((b, c, i) => (c !== null && c > b[1] ? [i, c] : b), [-1, 0]);
  if (d.saturatedBy?.includes('instances')) {
    ctx.warnings.push(
      `${label}: instance ${busiest[0]} used ${pct(busiest[1])} of a core: the instances, not the session layer, ` +
        'may set the latency (the machine is at capacity)',
    );
  }
  if (m.summary.cut > 0)
    ctx.warnings.push(`${label}: ${m.summary.cut} conversations were still running at the end and were cut`);
  for (const e of timeline.events)
    if (e.error) ctx.warnings.push(`${label}: fault "${e.fault}" could not ${e.type}: ${e.error}`);
}

/** The driver's figures, and what saturated: the driver, the proxy thread, an instance. */
function driverFigures(
  load: DriverLoad,
  cpuCores: number,
  proxyUtilization: number,
  instanceCores: (number | null)[],
): BackendResult['driver'] {
  const saturatedBy: ('driver' | 'proxy' | 'instances')[] = [];
  if (load.utilization > SATURATED_UTILIZATION || load.lagP99Ms > SATURATED_LAG_P99_MS) saturatedBy.push('driver');
  if (proxyUtilization > SATURATED_UTILIZATION) saturatedBy.push('proxy');
  if (instanceCores.some((c) => c !== null && c > SATURATED_UTILIZATION)) saturatedBy.push('instances');
  return {
    eventLoopLagP99Ms: round(load.lagP99Ms, 2),
    eventLoopLagMaxMs: round(load.lagMaxMs, 2),
    cpuCores: round(cpuCores, 3),
    saturated: saturatedBy.includes('driver'),
    workers: load.workers,
    utilization: round(load.utilization, 3),
    proxyUtilization: round(proxyUtilization, 3),
    saturatedBy,
  };
}

/** Everything a backend's run starts, each set once it is up (so a failed start stops what is). */
interface Started extends Parts {
  proxies: ProxyHost;
  driving: Driving;
}

/** Start what a backend's run needs: its Redis deployment, its cluster, the load and the faults. */
async function setUp(ctx: BackendRunContext, clock: LoadClock, parts: Partial<Started>) {
  const { scenario, seed } = ctx.opts;
  const { spec, def, routing } = ctx.backend;
  // One proxy thread relays the backend's Redis links and its peer links.
  const proxies = new ProxyHost(seed);
  parts.proxies = proxies;
  const server = { seed, server: ctx.redis, bin: ctx.opts.redis.bin, proxies };
  parts.deployment = await deploy(topologyOf(ctx.backend), server, clock, () => parts.cluster);
  const redis = parts.deployment;
  const before = redis ? await redis.commandCounts() : undefined;
  const usedAtStart = (await singleServer(ctx, redis)?.usedMemory()) ?? 0;
  const clientLinks = ctx.plan.some((f) => f.resolvedTarget.kind === 'clients');
  const cluster = await Cluster.up({ scenario, spec, def, redis, runId: ctx.runId, seed, clientLinks, proxies });
  parts.cluster = cluster;
  const { load } = scenario;
  parts.recorder = new PhasedRecorder(
    load.steps ? stepWindows(load.phases, load.warmup) : phaseWindows(ctx.plan, load.warmup),
  );
  parts.driving = startDriving({
    scenario,
    seed,
    targets: cluster.targets,
    routing,
    transport: ctx.backend.transport,
    recorder: parts.recorder,
    workers: ctx.opts.workers ?? 1,
    signal: ctx.stop.signal,
  });
  parts.faults = new ClusterFaults(cluster, ctx.redis, parts.driving.router, scenario.cluster.detectAfter);
  parts.timeline = new FaultTimeline(ctx.plan, parts.faults);
  return { parts: parts as Started, before, usedAtStart };
}

/** The one server a single-server deployment runs on: what Redis's memory figures are read from. */
function singleServer(ctx: BackendRunContext, deployment: Deployment | undefined) {
  return deployment?.kind === 'single' ? ctx.redis : undefined;
}

export async function runBackend(ctx: BackendRunContext): Promise<BackendResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const clock: LoadClock = {};
  const partial: Partial<Started> = {};
  let progress: NodeJS.Timeout | undefined;
  try {
    const { parts, before, usedAtStart } = await setUp(ctx, clock, partial);
    const { cluster, recorder, timeline, faults, deployment, driving } = parts;
    const driveStart = performance.now();
    progress = watch(ctx, recorder, driving, driveStart);
    const cpuStart = process.cpuUsage();
    const proxyStart = cluster.proxyUtilization();
    const { summary, load } = await driving.start(() => {
      clock.start = performance.now();
      timeline.start();
    });
    const cpu = process.cpuUsage(cpuStart);
    const driveMs = performance.now() - driveStart;
    const proxyUtilization = cluster.proxyUtilization(proxyStart).utilization;
    clearInterval(progress);
    // Undo what is still in effect (resume paused instances) before reading counters.
    await timeline.stop();
    faults.dispose();
    // An interrupted run does not wait for a failover or a migration to finish.
    await deployment?.settle(ctx.stop.signal.aborted);
    const after = deployment ? await deployment.commandCounts() : undefined;
    const single = singleServer(ctx, deployment);
    const memory = single ? await redisMemory(single, cluster.keyPrefix, usedAtStart) : null;
    const stats = await cluster.stats();
    // An instance's CPU since it started, over the time since the cluster came up (a restarted one: less).
    const upMs = Math.max(1, performance.now() - t0);
    const instanceCores = stats.map((st) => (st ? round(st.cpuMicros / 1000 / upMs, 3) : null));
    const driver = driverFigures(load, (cpu.user + cpu.system) / 1000 / driveMs, proxyUtilization, instanceCores);
    const turns = recorder.overall.allTurns;
    driver.cpuMsPerTurn = turns > 0 ? round((cpu.user + cpu.system) / 1000 / turns, 4) : null;
    const connections = driving.connections();
    const measured = {
      summary,
      driver,
      connections,
      before,
      after,
      redisMemory: memory,
      startedAt,
      t0,
      stats,
      instanceCores,
    };
    warn(ctx, measured, timeline);
    return await assemble(ctx, parts, measured);
  } finally {
    clearInterval(progress);
    await tearDown(ctx, partial);
  }
}

/** Stop what a backend's run started, whatever got started. */
async function tearDown(ctx: BackendRunContext, partial: Partial<Started>): Promise<void> {
  await partial.timeline?.stop();
  partial.faults?.dispose();
  await partial.driving?.close();
  partial.recorder?.destroy();
  await partial.cluster?.down();
  await partial.deployment?.stop();
  await partial.proxies?.close();
  const { cluster, deployment } = partial;
  if (ctx.redis && !ctx.redis.owned && cluster && deployment?.kind === 'single')
    await ctx.redis.deletePrefix(cluster.keyPrefix).catch(() => 0);
}
