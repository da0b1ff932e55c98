/**
 * The reporter family: pure functions of the canonical results object, one file each, registered
 * by format name in registry.ts (as k6's outputs are). A reporter never reads anything but the
 * results, so `sessbench report` can rebuild any view from results.json alone.
 */
import type { RunResults } from '../results/schema.js';

export interface Reporter {
  /** Format name for `--format`. */
  name: string;
  /** File name inside a run folder. */
  file: string;
  /** The whole file's text. Must not throw on any valid results object. */
  render(results: RunResults): string;
}
