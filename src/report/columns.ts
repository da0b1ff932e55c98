/**
 * The comparison table's columns, shared by every tabular reporter (terminal, Markdown) so they
 * always show the same figures.
 */
import type { BackendResult } from '../run/results.js';

export interface Column {
  title: string;
  /** Right-align (numbers). */
  numeric: boolean;
  value(b: BackendResult): string;
}

export function formatPct(x: number): string {
  if (x === 0) return '0 %';
  const p = x * 100;
  return `${p < 0.1 ? p.toFixed(3) : p < 10 ? p.toFixed(2) : p.toFixed(1)} %`;
}

export function formatMs(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
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
    'Latency: successful turns, from the intended send time. Turn loss: lost / turns that had context. Redis r/turn: reads per turn that carried a session cookie; w/turn: writes per turn (Redis INFO commandstats).',
  ];
  if (backends.some((b) => b.routingOverridden)) notes.push('* the backend needs session affinity and replaced the scenario\'s routing.');
  return notes;
}
