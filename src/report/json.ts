import type { RunResults } from '../results/schema.js';
import type { Reporter } from './types.js';

/** results.json: the canonical results, the contract every other view is rendered from. */
export const jsonReporter = {
  name: 'json',
  file: 'results.json',
  render: (results: RunResults) => `${JSON.stringify(results, null, 2)}\n`,
} satisfies Reporter;
