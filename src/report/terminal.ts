/**
 * The comparison table for the terminal, and with faults the per-phase table. Colour through
 * chalk, which honours NO_COLOR, FORCE_COLOR and a non-TTY stream on its own.
 */
import chalk from 'chalk';
import type { RunResults } from '../run/results.js';
import { COLUMNS, PHASE_COLUMNS, footnotes, phaseFootnotes, phaseRows } from './columns.js';

// Display width of a cell, ignoring ANSI colour codes.
const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/**
 * Text from a scenario or a results file, safe to print on a terminal: control characters (C0,
 * DEL, C1: escape sequences, carriage returns, line breaks) are shown as `\xNN` instead of acting.
 */
export function terminalText(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Aligned columns; `colour` may wrap a finished (padded) cell. */
function table<R>(
  columns: readonly { title: string; numeric: boolean; value(r: R): string }[],
  rows: readonly R[],
  colour: (row: R, col: number, cell: string) => string,
): string[] {
  const cells = rows.map((r) => columns.map((c) => terminalText(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => width(r[i]!))));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - width(text));
    return columns[i]!.numeric ? fill + text : text + fill;
  };
  return [
    chalk.bold(columns.map((c, i) => pad(c.title, i)).join('  ')),
    chalk.dim(widths.map((w) => '─'.repeat(w)).join('  ')),
    ...cells.map((r, ri) => r.map((text, i) => colour(rows[ri]!, i, pad(text, i))).join('  ')),
  ];
}

export function renderTerminal(results: RunResults): string {
  const lines = table(COLUMNS, results.backends, (b, col, cell) => {
    const title = COLUMNS[col]!.title;
    if (col === 0) return chalk.cyan(cell);
    // Loss is the headline: red when any context was lost, yellow for stale/diverged.
    if (title === 'turn loss' && b.turns.lost > 0) return chalk.red(cell);
    if ((title === 'stale' || title === 'diverged') && b.turns.stale + b.turns.diverged > 0) return chalk.yellow(cell);
    if (title === 'errors' && b.turns.fail + b.turns.info > 0) return chalk.red(cell);
    return cell;
  });
  for (const n of footnotes(results.backends)) lines.push(chalk.dim(n));
  const rows = phaseRows(results.backends);
  if (rows.length > 0) {
    lines.push('');
    lines.push(chalk.bold('Faults: ') + results.faults.map((f) => `${terminalText(f.name)} at ${f.atMs / 1000}s${f.endMs === null ? '' : ` for ${(f.endMs - f.atMs) / 1000}s`}`).join('; '));
    lines.push(
      ...table(PHASE_COLUMNS, rows, (r, col, cell) => {
        if (col === 0) return chalk.cyan(cell);
        if (r.phase.kind === 'fault' && col === 1) return chalk.magenta(cell);
        if (PHASE_COLUMNS[col]!.title === 'recovered' && cell.trim() === 'never') return chalk.red(cell);
        return cell;
      }),
    );
    for (const n of phaseFootnotes()) lines.push(chalk.dim(n));
  }
  return lines.join('\n');
}
