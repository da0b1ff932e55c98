/**
 * Every process the harness spawns (redis-server, instances), so that none outlives it: normal
 * teardown stops them one by one; this is the safety net for an abnormal exit (a crash of the
 * harness itself), where only synchronous work is possible.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;

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
