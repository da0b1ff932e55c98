/**
 * Writing run outputs: the reports folder checked (and made) before any load starts, a new folder
 * per run (never an earlier one), and files written whole or not at all (a temporary file with a
 * random name, created exclusively in the same folder, then renamed into place). No call here can
 * spin: folders are made one level at a time, never with a recursive mkdir.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EnvironmentError, UsageError, messageOf } from '../errors.js';

/**
 * Make sure `root` is a folder sessbench can write into, creating it (and missing parents) one
 * level at a time. Throws UsageError when it is a file, EnvironmentError when it can't be made or
 * written.
 */
export function prepareFolder(root: string): void {
  const abs = resolve(root);
  const missing: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) {
    throw new UsageError(`${root} is not a folder: ${at} is a file`, 'name a folder with --out');
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      throw new EnvironmentError(`cannot create the folder ${dir}: ${messageOf(err)}`, { cause: err });
    }
  }
  try {
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new EnvironmentError(`cannot write into ${root}: ${messageOf(err)}`, { cause: err });
  }
}

/** `<root>/<scenario>-<timestamp>`, with -2, -3… if that folder exists already. `root` must exist. */
export function createRunFolder(root: string, scenarioName: string, at: Date): string {
  const slug =
    scenarioName
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 60) || 'run';
  const stamp = at
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 1; n < 1000; n++) {
    const dir = join(root, `${slug}-${stamp}${n === 1 ? '' : `-${n}`}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EnvironmentError(`cannot create ${dir}: ${messageOf(err)}`, { cause: err });
      }
    }
  }
  throw new EnvironmentError(`cannot create a run folder in ${root}: 999 runs of ${slug} at ${stamp}`);
}

/** Remove a run folder that received nothing (the run failed before it measured anything). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or gone: keep what is there
  }
}

/** Write a file atomically: readers see the old state or the whole new file, never a part. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new EnvironmentError(`cannot write ${path}: ${messageOf(err)}`, { cause: err });
  }
}

/** Write a file the user named: never over an existing one unless `force`. */
export function writeUserFile(path: string, data: string, force: boolean): void {
  if (!force && existsSync(path)) throw new UsageError(`${path} exists`, 'pass --force to overwrite it');
  writeFileAtomic(path, data);
}
