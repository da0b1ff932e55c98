/** `sessbench report <results.json> --format …`: re-render any earlier run from its results alone. */
import { ExitCode, UsageError } from '../errors.js';
import { writeUserFile } from '../report/files.js';
import { type ReporterName, reporterNames, reporters } from '../report/registry.js';
import { didYouMean } from '../util/did-you-mean.js';
import { loadResults } from './results-file.js';

export function reportCommand(file: string, opts: { format: string; out?: string; force?: boolean }): number {
  if (!reporterNames.includes(opts.format as ReporterName)) {
    throw new UsageError(
      `--format ${JSON.stringify(opts.format)} is not a report format${didYouMean(opts.format, reporterNames)}`,
      `formats: ${reporterNames.join(', ')}`,
    );
  }
  const text = reporters[opts.format as ReporterName].render(loadResults(file));
  if (opts.out) {
    writeUserFile(opts.out, text, opts.force ?? false);
    process.stderr.write(`wrote ${opts.out}\n`);
  } else {
    process.stdout.write(text);
  }
  return ExitCode.ok;
}
