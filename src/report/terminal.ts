/**
 * The comparison table for the terminal. Colour through chalk, which honours NO_COLOR, FORCE_COLOR
 * and a non-TTY stream on its own.
 */
import chalk from 'chalk';
import type { RunResults } from '../run/results.js';
import { COLUMNS, footnotes } from './columns.js';

// Display width of a cell, ignoring ANSI colour codes.
const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

export function renderTerminal(results: RunResults): string {
  const rows = results.backends.map((b) => COLUMNS.map((c) => c.value(b)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => width(r[i]!))));
  const cell = (text: string, i: number) => {
    const pad = ' '.repeat(widths[i]! - width(text));
    return COLUMNS[i]!.numeric ? pad + text : text + pad;
  };
  const lines = [
    chalk.bold(COLUMNS.map((c, i) => cell(c.title, i)).join('  ')),
    chalk.dim(widths.map((w) => '─'.repeat(w)).join('  ')),
  ];
  results.backends.forEach((b, r) => {
    const cells = rows[r]!.map((text, i) => cell(text, i));
    // Loss is the headline: red when any context was lost, yellow for stale/diverged.
    if (b.turns.lost > 0) cells[7] = chalk.red(cells[7]);
    if (b.turns.stale + b.turns.diverged > 0) {
      cells[9] = chalk.yellow(cells[9]);
      cells[10] = chalk.yellow(cells[10]);
    }
    if (b.turns.fail + b.turns.info > 0) cells[11] = chalk.red(cells[11]);
    cells[0] = chalk.cyan(cells[0]);
    lines.push(cells.join('  '));
  });
  for (const n of footnotes(results.backends)) lines.push(chalk.dim(n));
  return lines.join('\n');
}
