/**
 * The tables' columns, shared by every tabular view (terminal, Markdown, HTML) so they always show
 * the same figures. The comparison is split into groups (latency and throughput, sessions, store),
 * each narrow enough to read on its own; a view may join or split them further to fit its width.
 * Every value is plain text: each view escapes it for its own format.
 */
import type { BackendResult, FaultImpact, PhaseResult } from '../results/schema.js';
import { NO_DATA, formatBytes, formatMs, formatNumber, formatPct } from './format.js';

export interface Column<R> {
  title: string;
  /** Right-align (numbers). */
  numeric: boolean;
  value(row: R): string;
}

/** Columns under a title; the first column names the row and is repeated when a view splits a group. */
export interface ColumnGroup<R> {
  title: string;
  columns: readonly Column<R>[];
}

const backendColumn: Column<BackendResult> = { title: 'backend', numeric: false, value: (b) => b.label };

export const BACKEND_GROUPS: readonly ColumnGroup<BackendResult>[] = [
  {
    title: 'Latency and throughput',
    columns: [
      backendColumn,
      { title: 'routing', numeric: false, value: (b) => b.routing + (b.routingOverridden ? '*' : '') },
      { title: 'turns', numeric: true, value: (b) => String(b.turns.total) },
      { title: 'turns/s', numeric: true, value: (b) => formatNumber(b.throughput.achievedTurnsPerSec, 1) },
      { title: 'mean ms', numeric: true, value: (b) => formatMs(b.latencyMs.mean) },
      { title: 'p50 ms', numeric: true, value: (b) => formatMs(b.latencyMs.p50) },
      { title: 'p99 ms', numeric: true, value: (b) => formatMs(b.latencyMs.p99) },
      { title: 'errors', numeric: true, value: (b) => String(b.turns.fail + b.turns.info) },
    ],
  },
  {
    title: 'Sessions',
    columns: [
      backendColumn,
      { title: 'turn loss', numeric: true, value: (b) => formatPct(b.rates.turnLoss) },
      { title: 'session loss', numeric: true, value: (b) => formatPct(b.rates.sessionLoss) },
      { title: 'stale', numeric: true, value: (b) => String(b.turns.stale) },
      { title: 'diverged', numeric: true, value: (b) => String(b.turns.diverged) },
      { title: 'recovered', numeric: true, value: (b) => String(b.turns.recovered) },
    ],
  },
  {
    title: 'Store',
    columns: [
      backendColumn,
      {
        title: 'redis r/turn',
        numeric: true,
        value: (b) => (b.redis ? formatNumber(b.redis.readsPerTurn, 2) : NO_DATA),
      },
      {
        title: 'redis w/turn',
        numeric: true,
        value: (b) => (b.redis ? formatNumber(b.redis.writesPerTurn, 2) : NO_DATA),
      },
      { title: 'read/turn', numeric: true, value: (b) => formatBytes(b.bytesPerTurn.read) },
      { title: 'written/turn', numeric: true, value: (b) => formatBytes(b.bytesPerTurn.written) },
      { title: 'RSS/instance', numeric: true, value: (b) => formatBytes(b.memory.rssMeanBytes) },
    ],
  },
  {
    title: 'Stored sessions',
    columns: [
      backendColumn,
      { title: 'size mean', numeric: true, value: (b) => formatBytes(b.sessionBytes?.mean) },
      { title: 'size p99', numeric: true, value: (b) => formatBytes(b.sessionBytes?.p99) },
      { title: 'sessions', numeric: true, value: (b) => (b.redisMemory ? String(b.redisMemory.keys) : NO_DATA) },
      { title: 'redis memory', numeric: true, value: (b) => formatBytes(redisGrowth(b)) },
      { title: 'memory/key', numeric: true, value: (b) => formatBytes(b.redisMemory?.keyBytesMean) },
    ],
  },
];

const atCapacity = (b: BackendResult) => {
  const c = b.capacity;
  return c?.steps.filter((s) => s.sustained && s.rate <= (c.conversationsPerSec ?? -1)).at(-1);
};
const firstOver = (b: BackendResult) => b.capacity?.steps.find((s) => !s.sustained);

/** The capacity search (load.steps): shown only when the run had one. */
export const CAPACITY_GROUP: ColumnGroup<BackendResult> = {
  title: 'Capacity',
  columns: [
    backendColumn,
    { title: 'capacity conv/s', numeric: true, value: (b) => formatNumber(b.capacity?.conversationsPerSec, 1) },
    { title: 'turns/s', numeric: true, value: (b) => formatNumber(b.capacity?.turnsPerSec, 1) },
    { title: 'p99 ms there', numeric: true, value: (b) => formatMs(atCapacity(b)?.p99Ms) },
    {
      title: 'first step over the SLO',
      numeric: false,
      value: (b) => {
        const s = firstOver(b);
        if (!s) return 'none';
        const why = s.p99Ms === null ? 'no data' : `p99 ${formatMs(s.p99Ms)} ms, errors ${formatPct(s.errors)}`;
        return `${s.rate}/s (${why})`;
      },
    },
  ],
};

/** The column groups of the comparison for these results: the capacity's only with a search. */
export function backendGroups(backends: readonly BackendResult[]): readonly ColumnGroup<BackendResult>[] {
  return backends.some((b) => b.capacity) ? [...BACKEND_GROUPS, CAPACITY_GROUP] : BACKEND_GROUPS;
}

/** How much Redis's used_memory grew over the backend's run; undefined without Redis. */
function redisGrowth(b: BackendResult): number | undefined {
  return b.redisMemory ? Math.max(0, b.redisMemory.usedBytes - b.redisMemory.usedAtStartBytes) : undefined;
}

/** Footnotes every tabular view prints under the comparison. */
export function footnotes(backends: readonly BackendResult[]): string[] {
  const notes = [
    'Latency: successful turns, from the intended send time. Turn loss: lost / turns that had context. ' +
      'Recovered: turns that failed without an answer and turned out stored. Redis r/turn: reads per turn that ' +
      'carried a session cookie; w/turn: writes per turn (Redis INFO commandstats). read/turn, written/turn: bytes ' +
      'the store read per turn that carried a cookie and wrote per turn (Redis or peers). size: encoded session ' +
      "as stored, every save. sessions: keys in Redis at the end; redis memory: growth of Redis's used_memory; " +
      'memory/key: MEMORY USAGE of a session key (sample of 100). –: no data.',
  ];
  const slo = backends.find((b) => b.capacity)?.capacity;
  if (slo) {
    notes.push(
      `Capacity: the highest step rate sustained, with every step below it, within the SLO (p99 at most ` +
        `${formatMs(slo.sloP99Ms)} ms, errors at most ${formatPct(slo.sloErrors)}).`,
    );
  }
  if (backends.some((b) => b.routingOverridden)) {
    notes.push("* the backend needs session affinity and replaced the scenario's routing.");
  }
  return notes;
}

/** One row of the per-phase tables: a backend in one phase. */
export interface PhaseRow {
  backend: BackendResult;
  phase: PhaseResult;
}

const signedMs = (x: number) => `${x >= 0 ? '+' : '−'}${formatMs(Math.abs(x))}`;

function impactOf(r: PhaseRow): FaultImpact | undefined {
  return r.phase.kind === 'fault' ? r.backend.faults.find((f) => f.fault === r.phase.name) : undefined;
}

/** What the impact columns print for a fault that has nothing to act on in this backend. */
export const NOT_AFFECTED = 'not affected';

const phaseNames: readonly Column<PhaseRow>[] = [
  { title: 'backend', numeric: false, value: (r) => r.backend.label },
  { title: 'phase', numeric: false, value: (r) => r.phase.name },
];

export const PHASE_GROUPS: readonly ColumnGroup<PhaseRow>[] = [
  {
    title: 'Latency by phase',
    columns: [
      ...phaseNames,
      { title: 'from', numeric: true, value: (r) => `${r.phase.startSec.toFixed(1)}s` },
      { title: 'turns', numeric: true, value: (r) => String(r.phase.turns.total) },
      { title: 'p50 ms', numeric: true, value: (r) => formatMs(r.phase.latencyMs.p50) },
      {
        title: 'Δp50 ms',
        numeric: true,
        value: (r) => {
          const base = r.backend.phases[0]?.latencyMs.p50;
          const p50 = r.phase.latencyMs.p50;
          if (r.phase.kind === 'baseline') return '';
          return base === null || base === undefined || p50 === null ? NO_DATA : signedMs(p50 - base);
        },
      },
      { title: 'p99 ms', numeric: true, value: (r) => formatMs(r.phase.latencyMs.p99) },
      {
        title: 'errors',
        numeric: true,
        value: (r) => `${r.phase.turns.fail + r.phase.turns.info} (${formatPct(r.phase.rates.errors)})`,
      },
      {
        title: 'err max ms',
        numeric: true,
        value: (r) => (r.phase.failedMs.count ? formatMs(r.phase.failedMs.max) : ''),
      },
    ],
  },
  {
    title: 'Sessions by phase',
    columns: [
      ...phaseNames,
      { title: 'turn loss', numeric: true, value: (r) => formatPct(r.phase.rates.turnLoss) },
      { title: 'stale', numeric: true, value: (r) => String(r.phase.turns.stale) },
      { title: 'diverged', numeric: true, value: (r) => String(r.phase.turns.diverged) },
      {
        title: 'ctx lost',
        numeric: true,
        value: (r) => {
          const i = impactOf(r);
          if (!i) return '';
          if (!i.affected) return NOT_AFFECTED;
          return i.activeConversations === 0 ? NO_DATA : `${i.lostContext}/${i.activeConversations}`;
        },
      },
      {
        title: 'recovered',
        numeric: true,
        value: (r) => {
          const i = impactOf(r);
          if (!i) return '';
          if (!i.affected) return NOT_AFFECTED;
          if (i.timeToRecoverSec !== null) return `${i.timeToRecoverSec.toFixed(1)}s`;
          // "never" needs turns after the fault that stayed out of the band; with none, nothing is known.
          const after = r.phase.endSec ?? r.phase.startSec;
          return r.backend.series.some((s) => s.t >= Math.ceil(after) && s.turns > 0) ? 'never' : NO_DATA;
        },
      },
    ],
  },
];

/** Every backend's phases, backend by backend. */
export function phaseRows(backends: readonly BackendResult[]): PhaseRow[] {
  return backends.flatMap((backend) => backend.phases.map((phase) => ({ backend, phase })));
}

/** The one sentence that states the time base of every time a view prints. */
export const TIME_BASE = "Times are seconds from the start of the load, warmup included, as a fault's `at` is written.";

/** Notes under the per-phase tables. */
export function phaseFootnotes(): string[] {
  return [
    "Phases by intended send time; from: when the phase began. Δp50: against the backend's baseline. " +
      'err max: slowest failed turn. ctx lost: conversations running when the fault hit that lost context after it. ' +
      "recovered: from the fault's end (or moment) to the first second whose intact rate and p99 are back " +
      "in the baseline's band; never: not within the run. not affected: the backend has nothing the fault targets.",
  ];
}
