/** `sessbench run <scenario>`: run every backend and write results.json and report.md. */
import { join, relative } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderTerminal } from '../report/terminal.js';
import { createRunFolder, writeFileAtomic } from '../report/files.js';
import { run } from '../run/run.js';
import { loadScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/schema.js';
import { didYouMean } from '../util/did-you-mean.js';
import { randomSeed } from '../util/prng.js';
import { progressObserver } from './progress.js';

export interface RunCommandOptions {
  backend?: string;
  redisUrl?: string;
  redisBin?: string;
  out: string;
  seed?: number;
  json?: boolean;
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
  const seed = opts.seed ?? scenario.seed ?? randomSeed();
  const err = process.stderr;
  const out = opts.json ? process.stderr : process.stdout;
  err.write(`sessbench: ${scenario.name}: ${scenario.backends.length} backend(s), ${scenario.cluster.instances} instances, seed ${seed}\n`);
  const results = await run({
    scenario,
    scenarioFile: file,
    seed,
    redis: { ...(opts.redisBin ? { bin: opts.redisBin } : {}), ...(opts.redisUrl ? { url: opts.redisUrl } : {}) },
    signal,
    observer: progressObserver(err),
  });
  const dir = createRunFolder(opts.out, scenario.name, new Date(results.startedAt));
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileAtomic(join(dir, 'results.json'), json);
  writeFileAtomic(join(dir, 'report.md'), renderMarkdown(results));
  out.write(`\n${renderTerminal(results)}\n\n`);
  err.write(`results: ${relative(process.cwd(), dir) || dir}/results.json, report.md (seed ${seed})\n`);
  if (opts.json) process.stdout.write(json);
  if (results.interrupted) {
    err.write('interrupted: the results above are partial\n');
    return ExitCode.interrupted;
  }
  return ExitCode.ok;
}
