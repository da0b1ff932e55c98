/**
 * The watchdog process: forked by the harness with an IPC channel, it holds the pids of every
 * process the harness started and the temporary folders it made. When the channel closes — the
 * harness exited, however it ended, SIGKILL included — it kills those processes (SIGKILL: a paused
 * instance can't stay stopped forever) and removes those folders, then exits. A harness that ends
 * normally has stopped everything already, so then there is nothing left to do.
 *
 * Messages: { add: 'pid' | 'dir', value } and { remove: 'pid' | 'dir', value }.
 */
import { rmSync } from 'node:fs';

const pids = new Set<number>();
const dirs = new Set<string>();

type Message = { add?: 'pid' | 'dir'; remove?: 'pid' | 'dir'; value?: unknown };

process.on('message', (m: Message) => {
  if (typeof m !== 'object' || m === null) return;
  const set = (kind: unknown) => (kind === 'pid' ? pids : kind === 'dir' ? dirs : undefined);
  if (m.add) (set(m.add) as Set<unknown> | undefined)?.add(m.value);
  if (m.remove) (set(m.remove) as Set<unknown> | undefined)?.delete(m.value);
});

process.on('disconnect', () => {
  for (const pid of pids) {
    try {
      if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) {
    if (typeof dir === 'string' && dir.length > 1) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
});

// Nothing to do but wait for messages and the end of the channel.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
