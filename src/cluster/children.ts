/**
 * Every process the harness spawns (redis-server, instances), so that none outlives it: normal
 * teardown stops them one by one; this is the safety net for an abnormal exit (a crash of the
 * harness itself), where only synchronous work is possible.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;

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
  child.once('exit', () => children.delete(child));
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
