/**
 * Progress on stderr while a run goes: on a TTY one live line per backend, rewritten in place;
 * otherwise (CI logs) a plain line every few seconds.
 */
import chalk from 'chalk';
import type { BackendSpec } from '../scenario/schema.js';
import type { Progress, RunObserver } from '../run/run.js';
import type { BackendResult } from '../run/results.js';
import { formatMs, formatPct } from '../report/columns.js';
import { terminalText } from '../report/terminal.js';

const PLAIN_EVERY_MS = 5000;

export function progressObserver(stream: NodeJS.WriteStream): RunObserver {
  const live = Boolean(stream.isTTY);
  let lastPlain = 0;
  let label = '';
  const line = (p: Progress) =>
    `${chalk.cyan(p.label.padEnd(12))} ${p.elapsedMs <= p.plannedMs ? `${(p.elapsedMs / 1000).toFixed(0).padStart(3)}s/${(p.plannedMs / 1000).toFixed(0)}s` : `drain ${((p.elapsedMs - p.plannedMs) / 1000).toFixed(0)}s`}` +
    `  turns ${String(p.turns).padStart(6)}  lost ${String(p.lost).padStart(5)}  errors ${String(p.errors).padStart(4)}` +
    `  p50 ${formatMs(p.p50)} ms  p99 ${formatMs(p.p99)} ms`;
  return {
    backendStarting(spec: BackendSpec, i: number, total: number, routing: string) {
      label = spec.label;
      lastPlain = 0;
      stream.write(`${chalk.bold(`[${i + 1}/${total}]`)} ${spec.label}: starting instances (routing ${routing})\n`);
    },
    progress(p: Progress) {
      if (live) stream.write(`\r\x1b[2K${line(p)}`);
      else if (p.elapsedMs - lastPlain >= PLAIN_EVERY_MS) {
        lastPlain = p.elapsedMs;
        stream.write(`${line(p)}\n`);
      }
    },
    backendDone(b: BackendResult) {
      if (live) stream.write('\r\x1b[2K');
      stream.write(
        `${chalk.cyan(label.padEnd(12))} done: ${b.turns.total} turns, ${b.throughput.achievedTurnsPerSec.toFixed(1)}/s, ` +
          `p99 ${formatMs(b.latencyMs.p99)} ms, turn loss ${formatPct(b.rates.turnLoss)}, errors ${b.turns.fail + b.turns.info}\n`,
      );
    },
    warning(message: string) {
      stream.write(`${chalk.yellow('warning:')} ${terminalText(message)}\n`);
    },
  };
}
