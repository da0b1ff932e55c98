/**
 * From the scenario's resolved faults to the run's plan: each fault's concrete target
 * (random-instance drawn from the run's seed), its unique name and its window. The same seed gives
 * the same plan, so every backend of a run, and a rerun, get the same faults at the same moments.
 */
import type { PlannedFaultRecord } from '../results/schema.js';
import { Prng } from '../util/prng.js';
import { type FaultAction, type FaultSpec, parseTarget } from './schema.js';

export type FaultTarget =
  | { kind: 'redis' }
  | { kind: 'redis-pubsub' }
  | { kind: 'redis-node'; index: number; replica: boolean }
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
    const parsed = parseTarget(f.target);
    let resolvedTarget: FaultTarget;
    let target = f.target;
    if (parsed.kind === 'clients' && parsed.index === null) resolvedTarget = { kind: 'clients', index: null };
    else if (parsed.kind === 'instance' || parsed.kind === 'peers' || parsed.kind === 'clients') {
      const instance = parsed.index === 'random' ? prng.int(0, instances - 1) : (parsed.index as number);
      resolvedTarget = { kind: parsed.kind, index: instance };
      target = `instance[${instance}]${parsed.kind === 'instance' ? '' : `.${parsed.kind}`}`;
    } else resolvedTarget = parsed;
    let name = f.name ?? `${target} ${f.label}`;
    const seen = names.get(name) ?? 0;
    names.set(name, seen + 1);
    if (seen > 0) name = `${name} #${seen + 1}`;
    const a = f.action;
    const restartAfterMs = a.kind === 'kill' || a.kind === 'stop' || a.kind === 'failover' ? a.restartAfterMs : null;
    const endMs =
      f.durationMs !== undefined ? f.atMs + f.durationMs : restartAfterMs !== null ? f.atMs + restartAfterMs : null;
    return { index, name, target, resolvedTarget, action: f.action, atMs: f.atMs, endMs };
  });
}
