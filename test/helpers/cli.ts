/**
 * Spawning the built CLI (bin/sessbench.js) as a user would, and scenario files for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { parseDurationMs } from '../../src/util/units.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'sessbench.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sessbench-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a scenario file from scenarios/ with some keys replaced (paths as arrays), written to
 * `dir`. Used to shorten the shipped scenarios for the test suite.
 */
export function variant(file: string, dir: string, edits: [path: (string | number)[], value: unknown][]): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'scenarios', file), 'utf8'));
  for (const [path, value] of edits) doc.setIn(path, doc.createNode(value));
  const out = join(dir, file);
  writeFileSync(out, doc.toString());
  return out;
}

/** Shorter load for the shipped scenarios: enough turns for stable rates, a few seconds per backend. */
export const SHORT_LOAD: [(string | number)[], unknown][] = [
  [['load', 'warmup'], '500ms'],
  [['load', 'phases'], [{ duration: '1s', arrivalRate: 5, rampTo: 15 }, { duration: '2500ms', arrivalRate: 15 }]],
  [['load', 'drain'], '4s'],
];

/** Write `ms` as a duration string the scenario accepts. */
const ms = (x: number) => `${Math.round(x)}ms`;

/**
 * A copy of a scenario with its whole time line scaled by `factor` (warmup, phases, drain, fault
 * times and durations), so a fault scenario keeps its shape in less time. Extra edits apply after.
 */
export function scaled(file: string, dir: string, factor: number, edits: [(string | number)[], unknown][] = []): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'scenarios', file), 'utf8'));
  const scale = (path: (string | number)[]) => {
    const v = doc.getIn(path);
    if (v === undefined) return;
    const n = parseDurationMs(v);
    if (n === undefined) throw new Error(`${file}: ${path.join('.')} is not a duration`);
    doc.setIn(path, ms(n * factor));
  };
  scale(['load', 'warmup']);
  scale(['load', 'drain']);
  const phases = (doc.getIn(['load', 'phases']) as { items: unknown[] } | undefined)?.items.length ?? 0;
  for (let i = 0; i < phases; i++) scale(['load', 'phases', i, 'duration']);
  const faults = (doc.getIn(['faults']) as { items: unknown[] } | undefined)?.items.length ?? 0;
  for (let i = 0; i < faults; i++) for (const k of ['at', 'duration', 'restartAfter']) scale(['faults', i, k]);
  for (const [path, value] of edits) doc.setIn(path, doc.createNode(value));
  const out = join(dir, file);
  writeFileSync(out, doc.toString());
  return out;
}
