/** `sessbench run <scenario>`: run every backend, write every report, apply the gates. */
import { join, relative } from 'node:path';
import { getBackend } from '../backends/registry.js';
import { ExitCode, UsageError } from '../errors.js';
import { compareRuns, parseFailOn } from '../gates/compare.js';
import { evaluateThresholds, resolveThresholds } from '../gates/thresholds.js';
import { renderComparison } from '../report/compare-md.js';
import { createRunFolder, writeFileAtomic } from '../report/files.js';
import { formatMetric } from '../report/junit.js';
import { reporters } from '../report/registry.js';
import { renderTerminal, terminalText } from '../report/terminal.js';
import { run } from '../run/run.js';
import { loadScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/schema.js';
import { didYouMean } from '../util/did-you-mean.js';
import { randomSeed } from '../util/prng.js';
import { progressObserver } from './progress.js';
import { loadResults } from './results-file.js';
import { appendJobSummary } from './summary.js';

export interface RunCommandOptions {
  backend?: string;
  redisUrl?: string;
  redisBin?: string;
  out: string;
  seed?: number;
  json?: boolean;
  baseline?: string;
  failOn?: string;
}

/** Keep only the backends named in --backend (by label or backend name), in the scenario's order. */
export function selectBackends(scenario: Scenario, list: string | undefined): Scenario {
  if (!list) return scenario;
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const known = scenario.backends.flatMap((b) => [b.label, b.backend]);
  for (const w of wanted) {
    if (!known.includes(w)) {
      throw new UsageError(
        `--backend ${JSON.stringify(w)} is not in this scenario${didYouMean(w, known)}`,
        `the scenario has: ${scenario.backends.map((b) => b.label).join(', ')}`,
      );
    }
  }
  return { ...scenario, backends: scenario.backends.filter((b) => wanted.includes(b.label) || wanted.includes(b.backend)) };
}

export async function runCommand(file: string, opts: RunCommandOptions, signal: AbortSignal): Promise<number> {
  const scenario = selectBackends(await loadScenario(file), opts.backend);
  // Check the gates' inputs before anything runs.
  const rules = opts.failOn ? parseFailOn(opts.failOn) : [];
  if (opts.failOn && !opts.baseline) throw new UsageError('--fail-on needs --baseline <results.json>');
  const baseline = opts.baseline ? loadResults(opts.baseline) : undefined;
  const labels = scenario.backends.map((b) => ({ label: b.label, usesRedis: getBackend(b.backend)!.usesRedis }));
  // Thresholds on a backend left out by --backend are dropped with it.
  const { specs } = resolveThresholds(
    Object.fromEntries(Object.entries(scenario.thresholds).filter(([scope]) => scope === '*' || labels.some((l) => l.label === scope))),
    labels,
    scenario.faults,
  );
  const seed = opts.seed ?? scenario.seed ?? randomSeed();
  const err = process.stderr;
  const out = opts.json ? process.stderr : process.stdout;
  err.write(`sessbench: ${terminalText(scenario.name)}: ${scenario.backends.length} backend(s), ${scenario.cluster.instances} instances, ${scenario.faults.length} fault(s), seed ${seed}\n`);
  const results = await run({
    scenario,
    scenarioFile: file,
    seed,
    redis: { ...(opts.redisBin ? { bin: opts.redisBin } : {}), ...(opts.redisUrl ? { url: opts.redisUrl } : {}) },
    signal,
    observer: progressObserver(err),
    thresholds: specs,
  });
  results.thresholds = evaluateThresholds(specs, results);
  const dir = createRunFolder(opts.out, scenario.name, new Date(results.startedAt));
  for (const r of Object.values(reporters)) writeFileAtomic(join(dir, r.file), r.render(results));
  out.write(`\n${renderTerminal(results)}\n\n`);
  const failed = results.thresholds.filter((t) => !t.ok);
  for (const t of failed) {
    err.write(`threshold failed: ${terminalText(t.backend)} ${t.metric}${t.phase ? `{phase:${terminalText(t.phase)}}` : ''} ${t.threshold}: observed ${formatMetric(t.metric, t.observed)}\n`);
  }
  let summary = reporters.md.render(results);
  let regressions = 0;
  if (baseline) {
    const cmp = compareRuns(baseline, results, rules);
    const md = renderComparison(baseline, results, cmp, true);
    summary += `\n${md}`;
    writeFileAtomic(join(dir, 'comparison.md'), `${md}\n`);
    regressions = cmp.changes.filter((c) => c.failed.length > 0).length;
    for (const c of cmp.changes.filter((x) => x.failed.length)) err.write(`regression: ${terminalText(c.backend)} ${c.metric} ${formatMetric(c.metric, c.base)} → ${formatMetric(c.metric, c.next)} (${c.failed.join(', ')})\n`);
  }
  const warning = appendJobSummary(summary);
  if (warning) err.write(`warning: ${warning}\n`);
  err.write(`results: ${relative(process.cwd(), dir) || dir}/ (results.json, report.md, report.html, junit.xml${baseline ? ', comparison.md' : ''}; seed ${seed})\n`);
  if (opts.json) process.stdout.write(reporters.json.render(results));
  if (results.interrupted) {
    err.write('interrupted: the results above are partial\n');
    return ExitCode.interrupted;
  }
  if (failed.length || results.abortedBy) return ExitCode.thresholdsFailed;
  if (regressions) return ExitCode.regression;
  return ExitCode.ok;
}
