/**
 * One run, end to end (docs/architecture.md, "A run"): for each backend of the scenario, on a
 * fresh cluster and an empty Redis keyspace, drive the same seeded conversations under the same
 * fault plan, then evaluate the thresholds. Everything it starts is stopped before it returns or
 * throws; an interrupt (the signal) ends the current backend early and skips the rest, and what was
 * measured is returned.
 */
import { randomBytes } from 'node:crypto';
import { backends } from '../backends/registry.js';
import { RedisServer } from '../cluster/redis.js';
import { UsageError } from '../errors.js';
import { planFaults } from '../faults/plan.js';
import { evaluateThresholds } from '../gates/thresholds.js';
import { initHistograms } from '../metrics/histogram.js';
import { type BackendResult, RESULTS_SCHEMA_VERSION, type RunResults } from '../results/schema.js';
import { TOOL_VERSION } from '../util/version.js';
import { resolveBackend, runBackend } from './backend-run.js';
import { environment } from './collect.js';
import { topologyOf } from './deploy.js';
import type { RunOptions } from './types.js';

/** Run every backend of the scenario; returns what was measured (also when interrupted). */
export async function run(opts: RunOptions): Promise<RunResults> {
  await initHistograms();
  const { scenario } = opts;
  const startedAt = new Date().toISOString();
  const runId = randomBytes(4).toString('hex');
  const warnings: string[] = [];
  const plan = planFaults(scenario.faults, scenario.cluster.instances, opts.seed);
  const resolved = scenario.backends.map((spec) =>
    resolveBackend(scenario, spec, backends[spec.backend as keyof typeof backends]),
  );
  // The run's own server serves the single-server backends; the other topologies start their own.
  const needsRedis = resolved.some((b) => topologyOf(b)?.kind === 'single');
  if (needsRedis && opts.redis.url && plan.some((f) => f.action.kind === 'restart' && f.target === 'redis')) {
    throw new UsageError(
      'the scenario restarts Redis, which needs a redis-server sessbench starts itself',
      'drop --redis-url for this scenario',
    );
  }
  const redis = needsRedis ? await RedisServer.start(opts.redis) : undefined;
  if (redis && !redis.owned) {
    warnings.push("Redis is an external server (--redis-url): its command counts include any other client's traffic");
  }
  const results: BackendResult[] = [];
  // Ends the run early: an interrupt, or a threshold with abortOnFail.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  opts.signal.addEventListener('abort', onInterrupt, { once: true });
  let abortedBy: string | null = null;
  try {
    for (const [i, backend] of resolved.entries()) {
      if (stop.signal.aborted) break;
      opts.observer?.backendStarting?.(backend.spec, i, resolved.length, backend.routing);
      const ctx = {
        opts,
        backend,
        redis,
        runId,
        plan,
        warnings,
        stop,
        onAbort: (reason: string) => (abortedBy = reason),
      };
      const result = await runBackend(ctx);
      results.push(result);
      opts.observer?.backendDone?.(result);
    }
  } finally {
    opts.signal.removeEventListener('abort', onInterrupt);
    await redis?.stop();
  }
  if (abortedBy) warnings.push(`the run was ended early: ${abortedBy}`);
  for (const w of warnings) opts.observer?.warning?.(w);
  const out: RunResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'sessbench', version: TOOL_VERSION },
    scenarioFile: opts.scenarioFile,
    scenario,
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
  const labels = resolved.map((b) => ({ label: b.spec.label, usesRedis: b.def.usesRedis }));
  out.thresholds = evaluateThresholds(scenario.thresholds, out, labels);
  return out;
}
