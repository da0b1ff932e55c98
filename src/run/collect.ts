/**
 * Assembling a backend's results from what its run measured: Redis's own command counts, the
 * instances' counters and memory, the phases and the faults' impact, and the machine it ran on.
 */
import os from 'node:os';
import type { CommandCounts, RedisServer } from '../cluster/redis.js';
import type { PlannedFault } from '../faults/plan.js';
import { metricsOf } from '../metrics/block.js';
import type { PhasedRecorder } from '../metrics/phases.js';
import type { Recorder } from '../metrics/recorder.js';
import { baselineBand, timeToRecover } from '../metrics/recovery.js';
import type { RedisCounts } from '../results/blocks.js';
import {
  type Capacity,
  type Environment,
  type FaultImpact,
  type PhaseResult,
  type SecondStats,
  type StoreCounters,
  emptyCounters,
} from '../results/schema.js';
import { ratio, round } from '../util/numbers.js';

export function environment(redis: RedisServer | undefined): Environment {
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

/** The instances' store counters added up. */
export function sumCounters(list: readonly (StoreCounters | null)[]): StoreCounters {
  const total = emptyCounters();
  for (const c of list) if (c) for (const k of Object.keys(total) as (keyof StoreCounters)[]) total[k] += c[k];
  return total;
}

/** Redis's own counts of this backend's run: after minus before, per command and per turn. */
export function redisCounts(before: CommandCounts, after: CommandCounts, rec: Recorder): RedisCounts {
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

/**
 * The capacity search's outcome from its steps' phases: each step sustained or not under the SLO,
 * and the capacity, the highest step rate sustained together with every step below it.
 */
export function capacityOf(
  phases: readonly PhaseResult[],
  rates: readonly number[],
  slo: { p99: number; errors: number },
): Capacity {
  const steps = phases
    .filter((p) => p.kind === 'step')
    .map((p, i) => {
      const { p99 } = p.latencyMs;
      const errors = p.rates.errors;
      return {
        rate: rates[i] ?? 0,
        achievedTurnsPerSec: p.throughput.achievedTurnsPerSec,
        p99Ms: p99,
        errors,
        sustained: p99 !== null && p99 <= slo.p99 && errors !== null && errors <= slo.errors,
      };
    });
  const held = steps.findIndex((s) => !s.sustained);
  const last = held < 0 ? steps.at(-1) : steps[held - 1];
  return {
    sloP99Ms: slo.p99,
    sloErrors: slo.errors,
    steps,
    conversationsPerSec: last?.rate ?? null,
    turnsPerSec: last?.achievedTurnsPerSec ?? null,
  };
}

/**
 * Per phase metrics, per fault impact and recovery time, in seconds from the start of the load.
 * `affected(fault)` says whether the backend has anything the fault targets.
 */
export function faultResults(
  rec: PhasedRecorder,
  faults: readonly PlannedFault[],
  affected: (f: PlannedFault) => boolean,
  series: SecondStats[],
  warmupMs: number,
  endMs: number,
): { phases: PhaseResult[]; faults: FaultImpact[] } {
  const sec = (ms: number) => round(ms / 1000, 3);
  // A phase no turn fell into (recovery after a fault that lasts to the end) says nothing.
  const phases = rec.phases
    .filter((p) => p.window.kind !== 'recovery' || p.recorder.turns > 0)
    .map(({ window, recorder }) => {
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
      affected: affected(f),
      activeConversations: active,
      lostContext,
      lostContextRate: ratio(lostContext, active),
      timeToRecoverSec: band ? timeToRecover(series, band, sec(f.endMs ?? f.atMs)) : null,
    };
  });
  return { phases, faults: impacts };
}
