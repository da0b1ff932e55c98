/** `sessbench compare <base.json> <new.json>`: what changed, as Markdown; --fail-on gates it. */
import { ExitCode } from '../errors.js';
import { compareRuns, parseFailOn } from '../gates/compare.js';
import { renderComparison } from '../report/compare-md.js';
import { formatMetric } from '../report/junit.js';
import { terminalText } from '../report/terminal.js';
import { loadResults } from './results-file.js';
import { appendJobSummary } from './summary.js';

export interface CompareOptions {
  failOn?: string;
  json?: boolean;
  significant?: boolean;
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
  const failed = cmp.changes.filter((c) => c.failed.length > 0);
  for (const c of failed) {
    process.stderr.write(`regression: ${terminalText(c.backend)} ${c.metric} ${formatMetric(c.metric, c.base)} → ${formatMetric(c.metric, c.next)} (${c.failed.join(', ')})\n`);
  }
  return failed.length ? ExitCode.regression : ExitCode.ok;
}
