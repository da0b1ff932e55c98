/** `sessbench validate <scenario>`: check a scenario file without running anything. */
import { ExitCode } from '../errors.js';
import { loadScenario } from '../scenario/parse.js';
import { timelineMs } from '../driver/workload.js';

export async function validateCommand(file: string, opts: { set?: string[] } = {}): Promise<number> {
  const s = await loadScenario(file, { set: opts.set ?? [] });
  const secs = (timelineMs(s.load) + s.load.drain) / 1000;
  process.stdout.write(
    `${file}: valid. ${s.backends.length} backend(s) (${s.backends.map((b) => b.label).join(', ')}), ` +
      `${s.cluster.instances} instances, routing ${s.cluster.routing}, ${s.faults.length} fault(s), ` +
      `up to ${secs}s of load per backend\n`,
  );
  return ExitCode.ok;
}
