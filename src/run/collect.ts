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
import type { BytesPerTurn, RedisCounts, RedisMemory } from '../results/blocks.js';
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
 * The store's traffic per turn, with the denominators of Redis r/turn and w/turn: bytes read per
 * turn that carried a cookie, bytes written per turn. Null when the store sent nothing anywhere
 * (memory, sticky), so no traffic is never shown as zero traffic.
 */
export function bytesPerTurn(store: StoreCounters, rec: Recorder): BytesPerTurn {
  const remote = store.remoteReads + store.remoteWrites + store.bytesRead + store.bytesWritten > 0;
  const perTurn = (bytes: number, turns: number) => (remote && turns > 0 ? round(bytes / turns, 1) : null);
  return { read: perTurn(store.bytesRead, rec.allTurnsWithCookie), written: perTurn(store.bytesWritten, rec.allTurns) };
}

/** Sessions sampled for MEMORY USAGE at the end of a backend's run. */
const KEY_SAMPLE = 100;

/** What the backend's sessions cost Redis at the end of its run. */
export async function redisMemory(redis: RedisServer, prefix: string, usedAtStartBytes: number): Promise<RedisMemory> {
  const [usedBytes, { keys, sampled }] = await Promise.all([redis.usedMemory(), redis.keyMemory(prefix, KEY_SAMPLE)]);
  return {
    usedBytes,
    usedAtStartBytes,
    keys,
    sampledKeys: sampled.length,
    keyBytesMean: sampled.length ? Math.round(sampled.reduce((a, b) => a + b, 0) / sampled.length) : null,
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
