/**
 * From the scenario's resolved faults to the run's plan: each fault's concrete target
 * (random-instance drawn from the run's seed), its unique name and its window. The same seed gives
 * the same plan, so every backend of a run, and a rerun, get the same faults at the same moments.
 */
import type { PlannedFaultRecord } from '../results/schema.js';
import { Prng } from '../util/prng.js';
import { type FaultAction, type FaultSpec, TARGET_RE, targetKind } from './schema.js';

export type FaultTarget =
  | { kind: 'redis' }
  | { kind: 'instance'; index: number }
  | { kind: 'peers'; index: number }
  /** The driver's links to one instance, or to every instance (index null). */
  | { kind: 'clients'; index: number | null };

export interface PlannedFault extends PlannedFaultRecord {
  resolvedTarget: FaultTarget;
  action: FaultAction;
}

/** Resolve the scenario's faults into the run's plan. */
export function planFaults(faults: readonly FaultSpec[], instances: number, seed: number): PlannedFault[] {
  const prng = new Prng(seed, 'faults');
  const names = new Map<string, number>();
  return faults.map((f, index) => {
    const m = TARGET_RE.exec(f.target)!;
    const instance = m[1] === 'random-instance' ? prng.int(0, instances - 1) : m[2] === undefined ? 0 : Number(m[2]);
    const kind = targetKind(f.target);
    const all = m[1] === 'clients';
    const resolvedTarget: FaultTarget =
      kind === 'redis'
        ? { kind }
        : kind === 'clients'
          ? { kind, index: all ? null : instance }
          : { kind, index: instance };
    const suffix = kind === 'peers' ? '.peers' : kind === 'clients' ? '.clients' : '';
    const target = kind === 'redis' ? 'redis' : all ? 'clients' : `instance[${instance}]${suffix}`;
    let name = f.name ?? `${target} ${f.label}`;
    const seen = names.get(name) ?? 0;
    names.set(name, seen + 1);
    if (seen > 0) name = `${name} #${seen + 1}`;
    const restartAfterMs = f.action.kind === 'kill' || f.action.kind === 'stop' ? f.action.restartAfterMs : null;
    const endMs =
      f.durationMs !== undefined ? f.atMs + f.durationMs : restartAfterMs !== null ? f.atMs + restartAfterMs : null;
    return { index, name, target, resolvedTarget, action: f.action, atMs: f.atMs, endMs };
  });
}
