/** GitHub Actions' job summary: Markdown appended to the file GITHUB_STEP_SUMMARY names. */
import { appendFileSync } from 'node:fs';
import { messageOf } from '../errors.js';

/** Append to the job summary when running under GitHub Actions; a failure to write is only a warning. */
export function appendJobSummary(markdown: string): string | undefined {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  try {
    appendFileSync(file, `${markdown}\n`);
    return undefined;
  } catch (err) {
    return `could not append to GITHUB_STEP_SUMMARY (${file}): ${messageOf(err)}`;
  }
}
