/**
 * Progress on stderr while a run goes. On a terminal: one live line per backend, rewritten in
 * place and never wider than the terminal (so it never wraps into a stack of lines). Otherwise (CI
 * logs): a plain line at least every two seconds and at every change of phase, and one when a
 * backend ends, however short it was.
 */
import type { ChalkInstance } from 'chalk';
import { terminalText } from '../report/escape.js';
import { formatMs, formatNumber, formatPct } from '../report/format.js';
import type { BackendResult } from '../results/schema.js';
import type { Progress, RunObserver } from '../run/types.js';
import type { BackendSpec } from '../scenario/schema.js';

const PLAIN_EVERY_MS = 2000;

/** Cut a plain line to `max` characters. */
function fitLine(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

const secs = (ms: number) => (ms / 1000).toFixed(0);

/** One progress line, plain text, most important figures first; a label wider than `labelMax` is cut. */
export function progressLine(p: Progress, labelMax = Number.POSITIVE_INFINITY): string {
  const when =
    p.elapsedMs <= p.plannedMs
      ? `${secs(p.elapsedMs)}s/${secs(p.plannedMs)}s`
      : `drain ${secs(p.elapsedMs - p.plannedMs)}s`;
  return (
    `${fitLine(terminalText(p.label), labelMax)} ${when} ${terminalText(p.phase)}: ` +
    `turns ${p.turns}, lost ${p.lost}, errors ${p.errors}, ` +
    `p50 ${formatMs(p.p50)} ms, p99 ${formatMs(p.p99)} ms`
  );
}

/**
 * @param stream where progress goes (stderr)
 * @param chalk the colour instance of that stream
 * @param columns the width a line may take
 */
export function progressObserver(stream: NodeJS.WriteStream, chalk: ChalkInstance, columns: () => number): RunObserver {
  const live = Boolean(stream.isTTY);
  let lastPlain = Number.NEGATIVE_INFINITY;
  let lastPhase = '';
  let label = '';
  const max = () => Math.max(20, columns() - 1);
  return {
    backendStarting(spec: BackendSpec, i: number, total: number, routing: string) {
      label = terminalText(spec.label);
      lastPlain = Number.NEGATIVE_INFINITY;
      lastPhase = '';
      const text = fitLine(`[${i + 1}/${total}] ${label}: starting instances (routing ${routing})`, max());
      stream.write(`${chalk.bold(text)}\n`);
    },
    progress(p: Progress) {
      // The label takes at most a third of the line, so the figures stay in view.
      const text = fitLine(progressLine(p, Math.max(12, Math.floor(max() / 3))), max());
      if (live) {
        stream.write(`\r\x1b[2K${text}`);
        return;
      }
      if (p.elapsedMs - lastPlain >= PLAIN_EVERY_MS || p.phase !== lastPhase) {
        lastPlain = p.elapsedMs;
        lastPhase = p.phase;
        stream.write(`${text}\n`);
      }
    },
    backendDone(b: BackendResult) {
      if (live) stream.write('\r\x1b[2K');
      const text =
        `${label} done: ${b.turns.total} turns, ${formatNumber(b.throughput.achievedTurnsPerSec, 1)}/s, ` +
        `p99 ${formatMs(b.latencyMs.p99)} ms, turn loss ${formatPct(b.rates.turnLoss)}, ` +
        `errors ${b.turns.fail + b.turns.info}`;
      stream.write(`${fitLine(text, live ? max() : Number.POSITIVE_INFINITY)}\n`);
    },
    warning(message: string) {
      stream.write(`${chalk.yellow('warning:')} ${terminalText(message)}\n`);
    },
  };
}
