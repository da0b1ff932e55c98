/**
 * The comparison for the terminal, and with faults the per-phase tables, fitted to a width: a
 * table wider than the terminal is split into several, each repeating the row's name, so nothing
 * wraps. Colour comes from the chalk instance of the stream it is written to (which honours
 * NO_COLOR and FORCE_COLOR); every value is stripped of control characters.
 */
import { stripVTControlCharacters } from 'node:util';
import type { ChalkInstance } from 'chalk';
import type { RunResults } from '../results/schema.js';
import {
  backendGroups,
  type Column,
  type ColumnGroup,
  NOT_AFFECTED,
  PHASE_GROUPS,
  TIME_BASE,
  footnotes,
  phaseFootnotes,
  phaseRows,
} from './columns.js';
import { terminalText } from './escape.js';
import { formatMetric } from './format.js';
import { topologyTables } from './topology.js';
import { transportFootnotes, transportGroups } from './transport-columns.js';

/** Display width of a cell, ignoring colour codes. */
const width = (s: string) => [...stripVTControlCharacters(s)].length;
const GAP = 2;

/** Cut to `max` display columns with an ellipsis. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/**
 * The columns split into tables no wider than `max`: the first column opens every table, the others
 * are packed in order. A first column wider than the terminal is cut.
 */
function fitColumns<R>(
  columns: readonly Column<R>[],
  rows: readonly R[],
  max: number,
): { columns: Column<R>[]; widths: number[] }[] {
  const widthOf = (c: Column<R>) => Math.max(width(c.title), ...rows.map((r) => width(terminalText(c.value(r)))));
  const [first, ...rest] = columns;
  const firstWidth = Math.min(widthOf(first!), Math.max(8, Math.floor(max / 3)));
  const tables: { columns: Column<R>[]; widths: number[] }[] = [];
  let current = { columns: [first!], widths: [firstWidth] };
  for (const c of rest) {
    // A column wider than the room beside the first is cut too.
    const w = Math.min(widthOf(c), Math.max(4, max - firstWidth - GAP));
    const used = current.widths.reduce((a, b) => a + b + GAP, 0);
    if (current.columns.length > 1 && used + w > max) {
      tables.push(current);
      current = { columns: [first!], widths: [firstWidth] };
    }
    current.columns.push(c);
    current.widths.push(w);
  }
  tables.push(current);
  return tables;
}

function render<R>(
  chalk: ChalkInstance,
  group: ColumnGroup<R>,
  rows: readonly R[],
  max: number,
  colour: (row: R, title: string, cell: string) => string,
): string[] {
  const out: string[] = [];
  for (const t of fitColumns(group.columns, rows, max)) {
    const pad = (text: string, i: number) => {
      const fill = ' '.repeat(Math.max(0, t.widths[i]! - width(text)));
      return t.columns[i]!.numeric ? fill + text : text + fill;
    };
    out.push(chalk.bold(group.title));
    out.push(chalk.bold(t.columns.map((c, i) => pad(cut(c.title, t.widths[i]!), i)).join(' '.repeat(GAP))));
    out.push(chalk.dim(t.widths.map((w) => '─'.repeat(w)).join(' '.repeat(GAP))));
    for (const r of rows) {
      const cells = t.columns.map((c, i) => colour(r, c.title, pad(cut(terminalText(c.value(r)), t.widths[i]!), i)));
      out.push(cells.join(' '.repeat(GAP)));
    }
    out.push('');
  }
  return out;
}

/** Prose wrapped to `max` columns, control characters shown as text; a word wider than that is cut. */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of terminalText(text).split(' ')) {
    if (line && width(line) + 1 + width(word) > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.flatMap((l) => (width(l) > max ? [cut(l, max)] : [l]));
}

/** The terminal view of a run, no line wider than `columns`. */
export function renderTerminal(results: RunResults, chalk: ChalkInstance, columns = 100): string {
  const max = Math.max(40, columns);
  const lines: string[] = [];
  for (const group of [...backendGroups(results.backends), ...transportGroups(results.backends)]) {
    lines.push(
      ...render(chalk, group, results.backends, max, (b, title, cell) => {
        if (title === 'backend') return chalk.cyan(cell);
        // Loss is the headline: red when any context was lost, yellow for stale/diverged.
        if ((title === 'turn loss' || title === 'session loss') && b.turns.lost > 0) return chalk.red(cell);
        if ((title === 'stale' || title === 'diverged') && b.turns.stale + b.turns.diverged > 0)
          return chalk.yellow(cell);
        if (title === 'errors' && b.turns.fail + b.turns.info > 0) return chalk.red(cell);
        return cell;
      }),
    );
  }
  for (const n of [...footnotes(results.backends), ...transportFootnotes(results.backends)])
    lines.push(...wrapText(n, max).map((l) => chalk.dim(l)));
  const rows = phaseRows(results.backends);
  if (rows.length > 0) {
    lines.push('');
    const faults = results.faults.map(
      (f) => `${f.name} at ${f.atMs / 1000}s${f.endMs === null ? '' : ` for ${(f.endMs - f.atMs) / 1000}s`}`,
    );
    lines.push(
      ...wrapText(
        faults.length ? `Faults: ${faults.join('; ')}. ${TIME_BASE}` : `Steps of the capacity search. ${TIME_BASE}`,
        max,
      ),
    );
    lines.push('');
    for (const group of PHASE_GROUPS) {
      lines.push(
        ...render(chalk, group, rows, max, (r, title, cell) => {
          if (title === 'backend') return chalk.cyan(cell);
          if (title === 'phase' && r.phase.kind === 'fault') return chalk.magenta(cell);
          if (title === 'recovered' && cell.trim() === 'never') return chalk.red(cell);
          if (cell.trim() === NOT_AFFECTED) return chalk.dim(cell);
          return cell;
        }),
      );
    }
    for (const n of phaseFootnotes()) lines.push(...wrapText(n, max).map((l) => chalk.dim(l)));
  }
  for (const t of topologyTables(results.backends)) {
    lines.push(
      '',
      ...render(chalk, t, t.rows, max, (_r, title, cell) => (title === 'backend' ? chalk.cyan(cell) : cell)),
    );
    for (const n of t.notes) lines.push(...wrapText(n, max).map((l) => chalk.dim(l)));
  }
  if (results.thresholds.length > 0) {
    lines.push('', chalk.bold('Thresholds'));
    for (const t of results.thresholds) {
      const where = `${t.backend} ${t.metric}${t.phase ? `{phase:${t.phase}}` : ''}`;
      const verdict = `${t.ok ? '✓' : '✗'} ${where} ${t.threshold}: ${formatMetric(t.metric, t.observed)}`;
      const text = wrapText(verdict, max - 2);
      const mark = t.ok ? chalk.green : chalk.red;
      lines.push(...text.map((l, i) => (i === 0 ? mark(l.slice(0, 1)) + l.slice(1) : `  ${l}`)));
    }
  }
  return lines.join('\n');
}
