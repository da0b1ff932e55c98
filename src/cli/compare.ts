/** `sessbench compare <base.json> <new.json>`: what changed, as Markdown; --fail-on gates it. */
import { ExitCode, UsageError } from '../errors.js';
import { type Comparison, type FailRule, compareRuns, parseFailOn } from '../gates/compare.js';
import { regressionLines, renderComparison } from '../report/compare-md.js';
import { appendJobSummary } from './job-summary.js';
import { loadResults } from './results-file.js';

export interface CompareOptions {
  failOn?: string;
  json?: boolean;
  significant?: boolean;
  force?: boolean;
}

/**
 * The regressions a comparison fails on. Runs that are not comparable get no verdict unless
 * forced: gating on them would blame the code for a changed scenario, seed or a cut-short run.
 */
export function regressionsOf(cmp: Comparison, rules: readonly FailRule[], force: boolean): string[] {
  if (rules.length > 0 && cmp.incomparable.length > 0 && !force) {
    throw new UsageError(
      `the runs are not comparable (${cmp.incomparable.join('; ')}): no --fail-on verdict`,
      'compare runs of the same scenario, seed and options, or pass --force to gate anyway',
    );
  }
  return regressionLines(cmp);
}

export function compareCommand(baseFile: string, nextFile: string, opts: CompareOptions): number {
  const rules = opts.failOn ? parseFailOn(opts.failOn) : [];
  const base = loadResults(baseFile);
  const next = loadResults(nextFile);
  const cmp = compareRuns(base, next, rules);
  if (opts.json) process.stdout.write(`${JSON.stringify(cmp, null, 2)}\n`);
  else {
    const md = renderComparison(base, next, cmp, opts.significant);
    process.stdout.write(`${md}\n`);
    const warning = appendJobSummary(md);
    if (warning) process.stderr.write(`warning: ${warning}\n`);
  }
  const lines = regressionsOf(cmp, rules, opts.force ?? false);
  for (const line of lines) process.stderr.write(`${line}\n`);
  return lines.length ? ExitCode.regression : ExitCode.ok;
}
