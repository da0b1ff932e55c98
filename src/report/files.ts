/**
 * Writing run outputs: a new folder per run (never an earlier one), and files written whole or not
 * at all (a temporary file in the same folder, renamed into place).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError, messageOf } from '../errors.js';

/** `reports/<scenario>-<timestamp>` under `root`, with -2, -3… if that folder exists already. */
export function createRunFolder(root: string, scenarioName: string, at: Date): string {
  const slug =
    scenarioName
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run';
  const stamp = at
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    throw new EnvironmentError(`cannot create the reports folder ${root}: ${messageOf(err)}`, { cause: err });
  }
  for (let n = 1; ; n++) {
    const dir = join(root, `${slug}-${stamp}${n === 1 ? '' : `-${n}`}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new EnvironmentError(`cannot create ${dir}: ${messageOf(err)}`, { cause: err });
    }
  }
}

/** Write a file atomically: readers see the old state or the whole new file, never a part. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new EnvironmentError(`cannot write ${path}: ${messageOf(err)}`, { cause: err });
  }
}
