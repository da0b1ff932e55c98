/** `sessbench run <scenario>`: run every backend, write every report, apply the gates. */
import { join, relative } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { type Comparable, compareRuns, incomparable, parseFailOn } from '../gates/compare.js';
import { renderComparison } from '../report/compare-md.js';
import { terminalText } from '../report/escape.js';
import { createRunFolder, prepareFolder, removeIfEmpty, writeFileAtomic } from '../report/files.js';
import { formatMetric } from '../report/format.js';
import { reporters } from '../report/registry.js';
import { renderTerminal, wrapText } from '../report/terminal.js';
import { defaultWorkers } from '../driver/parallel.js';
import type { RunResults } from '../results/schema.js';
import { run } from '../run/run.js';
import { loadScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/schema.js';
import { didYouMean } from '../util/did-you-mean.js';
import { randomSeed } from '../util/prng.js';
import { regressionsOf } from './compare.js';
import { appendJobSummary } from './job-summary.js';
import { progressObserver } from './progress.js';
import { loadResults } from './results-file.js';
import { chalkFor, widthOf } from './terminal.js';

export interface RunCommandOptions {
  backend?: string;
  redisUrl?: string;
  redisBin?: string;
  out: string;
  seed?: number;
  json?: boolean;
  baseline?: string;
  failOn?: string;
  /** With --baseline --fail-on: give a verdict even when the runs are not comparable. */
  force?: boolean;
  /** `path=value` overrides of the scenario, in order. */
  set?: string[];
  /** Driver threads; by default enough for the scenario's peak turn rate. */
  workers?: number;
}

/**
 * Keep only the backends named in --backend (by label or backend name), in the scenario's order;
 * thresholds on a backend left out are dropped with it.
 */
export function selectBackends(scenario: Scenario, list: string | undefined): Scenario {
  if (!list) return scenario;
  const wanted = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = scenario.backends.flatMap((b) => [b.label, b.backend]);
  for (const w of wanted) {
    if (!known.includes(w)) {
      throw new UsageError(
        `--backend ${JSON.stringify(w)} is not in this scenario${didYouMean(w, known)}`,
        `the scenario has: ${scenario.backends.map((b) => b.label).join(', ')}`,
      );
    }
  }
  const backends = scenario.backends.filter((b) => wanted.includes(b.label) || wanted.includes(b.backend));
  const thresholds = scenario.thresholds.filter((t) => t.scope === '*' || backends.some((b) => b.label === t.scope));
  return { ...scenario, backends, thresholds };
}

/** With --fail-on, a baseline of another scenario, seed or options gives no verdict unless forced. */
function checkBaseline(baseline: RunResults, scenario: Scenario, seed: number, force: boolean): void {
  if (force) return;
  const planned = JSON.parse(JSON.stringify({ scenario, seed, backends: scenario.backends })) as Comparable;
  const reasons = incomparable(baseline, { ...planned, interrupted: false, abortedBy: null });
  if (reasons.length > 0) {
    throw new UsageError(
      `--baseline is not comparable with this run (${reasons.join('; ')}): no --fail-on verdict`,
      'use a baseline of the same scenario, seed and options, or pass --force to gate anyway',
    );
  }
}

/** Write every report of the run into its folder, and the terminal view to `out`. */
function writeReports(results: RunResults, dir: string, out: NodeJS.WriteStream): void {
  for (const r of Object.values(reporters)) writeFileAtomic(join(dir, r.file), r.render(results));
  out.write(`\n${renderTerminal(results, chalkFor(out), widthOf(out))}\n\n`);
}

export async function runCommand(file: string, opts: RunCommandOptions, signal: AbortSignal): Promise<number> {
  const scenario = selectBackends(await loadScenario(file, { set: opts.set ?? [] }), opts.backend);
  // Check the gates' inputs and the output folder before anything runs.
  const rules = opts.failOn ? parseFailOn(opts.failOn) : [];
  if (opts.failOn && !opts.baseline) throw new UsageError('--fail-on needs --baseline <results.json>');
  const baseline = opts.baseline ? loadResults(opts.baseline) : undefined;
  const seed = opts.seed ?? scenario.seed ?? randomSeed();
  if (baseline && rules.length) checkBaseline(baseline, scenario, seed, opts.force ?? false);
  prepareFolder(opts.out);
  const dir = createRunFolder(opts.out, scenario.name, new Date());
  const err = process.stderr;
  const out = opts.json ? process.stderr : process.stdout;
  const columns = widthOf(err);
  const header =
    `sessbench: ${scenario.name}: ${scenario.backends.length} backend(s), ` +
    `${scenario.cluster.instances} instances, ${scenario.faults.length} fault(s), seed ${seed}`;
  for (const line of wrapText(header, columns)) err.write(`${line}\n`);
  let results: RunResults;
  try {
    results = await run({
      scenario,
      scenarioFile: file,
      seed,
      redis: { ...(opts.redisBin ? { bin: opts.redisBin } : {}), ...(opts.redisUrl ? { url: opts.redisUrl } : {}) },
      signal,
      workers: opts.workers ?? defaultWorkers(scenario),
      observer: progressObserver(err, chalkFor(err), () => widthOf(err)),
    });
  } catch (e) {
    removeIfEmpty(dir);
    throw e;
  }
  writeReports(results, dir, out);
  const failed = results.thresholds.filter((t) => !t.ok);
  for (const t of failed) {
    const text =
      `threshold failed: ${t.backend} ${t.metric}${t.phase ? `{phase:${t.phase}}` : ''} ${t.threshold}: ` +
      `observed ${formatMetric(t.metric, t.observed)}`;
    for (const line of wrapText(text, columns)) err.write(`${line}\n`);
  }
  let summary = reporters.md.render(results);
  let regressions = 0;
  if (baseline) {
    const cmp = compareRuns(baseline, results, rules);
    const md = renderComparison(baseline, results, cmp, true);
    summary += `\n${md}`;
    writeFileAtomic(join(dir, 'comparison.md'), `${md}\n`);
    // An interrupted run is not comparable: its exit code says so, not a regression verdict.
    const lines = results.interrupted ? [] : regressionsOf(cmp, rules, opts.force ?? false);
    regressions = lines.length;
    for (const line of lines) err.write(`${line}\n`);
  }
  const warning = appendJobSummary(summary);
  if (warning) err.write(`warning: ${warning}\n`);
  // The folder is never cut (it is there to be copied); what it holds wraps below it when it must.
  const folder = `results: ${terminalText(relative(process.cwd(), dir) || dir)}/`;
  const files = `(results.json, report.md, report.html, junit.xml${baseline ? ', comparison.md' : ''}; seed ${seed})`;
  if (folder.length + 1 + files.length <= columns) err.write(`${folder} ${files}\n`);
  else err.write(`${folder}\n${wrapText(files, columns).join('\n')}\n`);
  if (opts.json) process.stdout.write(reporters.json.render(results));
  if (results.interrupted) {
    err.write('interrupted: the results above are partial\n');
    return ExitCode.interrupted;
  }
  if (failed.length || results.abortedBy) return ExitCode.thresholdsFailed;
  if (regressions) return ExitCode.regression;
  return ExitCode.ok;
}
