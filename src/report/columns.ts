/**
 * The comparison table's columns, shared by every tabular reporter (terminal, Markdown) so they
 * always show the same figures.
 */
import type { BackendResult, PhaseResult } from '../results/schema.js';
import { formatBytes, formatMs, formatPct } from './format.js';

export interface Column {
  title: string;
  /** Right-align (numbers). */
  numeric: boolean;
  value(b: BackendResult): string;
}

const perTurn = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));

export const COLUMNS: readonly Column[] = [
  { title: 'backend', numeric: false, value: (b) => b.label },
  { title: 'routing', numeric: false, value: (b) => b.routing + (b.routingOverridden ? '*' : '') },
  { title: 'turns', numeric: true, value: (b) => String(b.turns.total) },
  { title: 'turns/s', numeric: true, value: (b) => b.throughput.achievedTurnsPerSec.toFixed(1) },
  { title: 'mean ms', numeric: true, value: (b) => formatMs(b.latencyMs.mean) },
  { title: 'p50 ms', numeric: true, value: (b) => formatMs(b.latencyMs.p50) },
  { title: 'p99 ms', numeric: true, value: (b) => formatMs(b.latencyMs.p99) },
  { title: 'turn loss', numeric: true, value: (b) => formatPct(b.rates.turnLoss) },
  { title: 'session loss', numeric: true, value: (b) => formatPct(b.rates.sessionLoss) },
  { title: 'stale', numeric: true, value: (b) => String(b.turns.stale) },
  { title: 'diverged', numeric: true, value: (b) => String(b.turns.diverged) },
  { title: 'errors', numeric: true, value: (b) => String(b.turns.fail + b.turns.info) },
  { title: 'redis r/turn', numeric: true, value: (b) => perTurn(b.redis?.readsPerTurn) },
  { title: 'redis w/turn', numeric: true, value: (b) => perTurn(b.redis?.writesPerTurn) },
  { title: 'RSS/instance', numeric: true, value: (b) => formatBytes(b.memory.rssMeanBytes) },
];

/** Footnotes every tabular view prints under the table. */
export function footnotes(backends: readonly BackendResult[]): string[] {
  const notes = [
    'Latency: successful turns, from the intended send time. Turn loss: lost / turns that had context. Redis r/turn: ' +
      'reads per turn that carried a session cookie; w/turn: writes per turn (Redis INFO commandstats).',
  ];
  if (backends.some((b) => b.routingOverridden))
    notes.push("* the backend needs session affinity and replaced the scenario's routing.");
  return notes;
}

/** One row of the per-phase table: a backend in one phase. */
export interface PhaseRow {
  backend: BackendResult;
  phase: PhaseResult;
}

const signedMs = (x: number) => `${x >= 0 ? '+' : '−'}${formatMs(Math.abs(x))}`;

function impactOf(r: PhaseRow) {
  return r.phase.kind === 'fault' ? r.backend.faults.find((f) => f.fault === r.phase.name) : undefined;
}

/** Columns of the per-phase table (faulted runs only). */
export const PHASE_COLUMNS: readonly { title: string; numeric: boolean; value(r: PhaseRow): string }[] = [
  { title: 'backend', numeric: false, value: (r) => r.backend.label },
  { title: 'phase', numeric: false, value: (r) => r.phase.name },
  { title: 'from', numeric: true, value: (r) => `${r.phase.startSec.toFixed(1)}s` },
  { title: 'turns', numeric: true, value: (r) => String(r.phase.turns.total) },
  { title: 'p50 ms', numeric: true, value: (r) => formatMs(r.phase.latencyMs.p50) },
  {
    title: 'Δp50',
    numeric: true,
    value: (r) => {
      const base = r.backend.phases[0];
      return r.phase.kind === 'baseline' || !base || r.phase.latencyMs.count === 0
        ? ''
        : signedMs(r.phase.latencyMs.p50 - base.latencyMs.p50);
    },
  },
  { title: 'p99 ms', numeric: true, value: (r) => formatMs(r.phase.latencyMs.p99) },
  { title: 'turn loss', numeric: true, value: (r) => formatPct(r.phase.rates.turnLoss) },
  { title: 'stale', numeric: true, value: (r) => String(r.phase.turns.stale) },
  { title: 'diverged', numeric: true, value: (r) => String(r.phase.turns.diverged) },
  {
    title: 'errors',
    numeric: true,
    value: (r) => `${r.phase.turns.fail + r.phase.turns.info} (${formatPct(r.phase.rates.errors)})`,
  },
  { title: 'err max ms', numeric: true, value: (r) => (r.phase.failedMs.count ? formatMs(r.phase.failedMs.max) : '') },
  {
    title: 'ctx lost',
    numeric: true,
    value: (r) => {
      const i = impactOf(r);
      return i ? `${i.lostContext}/${i.activeConversations}` : '';
    },
  },
  {
    title: 'recovered',
    numeric: true,
    value: (r) => {
      const i = impactOf(r);
      if (!i) return '';
      return i.timeToRecoverSec === null ? 'never' : `${i.timeToRecoverSec.toFixed(1)}s`;
    },
  },
];

/** Every backend's phases, backend by backend. */
export function phaseRows(backends: readonly BackendResult[]): PhaseRow[] {
  return backends.flatMap((backend) => backend.phases.map((phase) => ({ backend, phase })));
}

/** Notes under the per-phase table. */
export function phaseFootnotes(): string[] {
  return [
    "Phases by intended send time. Δp50: against the backend's baseline. err max: slowest failed turn. " +
      'ctx lost: conversations running when the fault hit that lost context after it. ' +
      "recovered: from the fault's end (or moment) to the first second whose intact rate and p99 are back " +
      "in the baseline's band; never: not within the run.",
  ];
}
