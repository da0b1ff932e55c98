/**
 * Every file reporter by format name. Adding one: a file in this folder exporting a `Reporter`,
 * and one line here; `sessbench report --format <name>` and every run pick it up.
 */
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import type { Reporter } from './types.js';

export const reporters = {
  json: jsonReporter,
  md: markdownReporter,
  html: htmlReporter,
  junit: junitReporter,
} satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof reporters;
export const reporterNames = Object.keys(reporters) as ReporterName[];
