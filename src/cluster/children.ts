/**
 * Every process the harness spawns (redis-server, instances) and every temporary folder it makes,
 * so that none outlives it. Normal teardown stops them one by one; an 'exit' hook kills what is
 * left when the harness exits on its own; and a watchdog process (watchdog.ts), told of each pid
 * and folder, cleans up when the harness dies without running any hook (SIGKILL, a crash).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const children = new Set<ChildProcess>();
let installed = false;
let watchdog: ChildProcess | undefined;

/** The watchdog, started on first use; it must never keep the harness alive. */
function guard(): ChildProcess | undefined {
  if (watchdog?.connected) return watchdog;
  const entry = fileURLToPath(new URL('../../dist/cluster/watchdog.js', import.meta.url));
  if (!existsSync(entry)) return undefined;
  watchdog = fork(entry, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], execArgv: [], serialization: 'json' });
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.channel as { unref?: () => void } | undefined)?.unref?.();
  return watchdog;
}

function tell(message: { add?: 'pid' | 'dir'; remove?: 'pid' | 'dir'; value: number | string }): void {
  const w = guard();
  if (w?.connected) w.send(message, () => {});
}

/**
 * End the watchdog once the harness has stopped everything itself (a normal exit): resolves when
 * it is gone, so nothing of the run is left when the command returns.
 */
export async function stopWatchdog(): Promise<void> {
  const w = watchdog;
  if (!w || !running(w)) return;
  const gone = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  // Waiting for it must keep the harness alive until it is gone.
  w.ref();
  if (w.connected) w.disconnect();
  else w.kill('SIGKILL');
  await gone;
}

/** A temporary folder that must not outlive the harness; `release` it once removed. */
export function trackDir(dir: string): void {
  tell({ add: 'dir', value: dir });
}

export function releaseDir(dir: string): void {
  tell({ remove: 'dir', value: dir });
}

/** A new temporary folder ("sessbench-<what>-…"), tracked until `removeTempDir`. */
export function tempDir(what: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sessbench-${what}-`));
  trackDir(dir);
  return dir;
}

/** Remove a folder made by `tempDir`. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  releaseDir(dir);
}

/** True until the child has exited. */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Stop a child: `ask` it to go (a signal or a message), SIGKILL it if it is still there after
 * `graceMs`, and resolve once it has exited. At once when it is gone already.
 */
export async function stopChild(child: ChildProcess, ask: () => void, graceMs: number): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Track a child until it exits; kill it with SIGKILL if the harness exits first. */
export function track(child: ChildProcess): void {
  children.add(child);
  if (child.pid !== undefined) tell({ add: 'pid', value: child.pid });
  child.once('exit', () => {
    children.delete(child);
    if (child.pid !== undefined) tell({ remove: 'pid', value: child.pid });
  });
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const c of children) {
        try {
          // A paused instance must not stay stopped forever either.
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}
