/**
 * From the scenario's fault entries to a resolved, seeded plan: each fault's action, its concrete
 * target (random-instance drawn from the run's seed), its name and its window. The same seed gives
 * the same plan, so every backend of a run, and a rerun, get the same faults at the same moments.
 */
import type { FaultInput } from '../scenario/fault-schema.js';
import { TARGET_RE } from '../scenario/fault-schema.js';
import { formatDurationMs } from '../scenario/units.js';
import { Prng } from '../util/prng.js';
import type { ToxicSpec } from './proxy.js';

export type FaultTarget = { kind: 'redis' } | { kind: 'instance'; index: number } | { kind: 'peers'; index: number };

export type FaultAction =
  | { kind: 'toxic'; toxic: ToxicSpec }
  | { kind: 'kill' | 'stop'; graceMs: number; restartAfterMs: number | null }
  | { kind: 'pause' }
  | { kind: 'restart' }
  | { kind: 'partition' };

export interface PlannedFault {
  index: number;
  /** Unique in the run; names the fault's phase. */
  name: string;
  /** The target as resolved: "redis", "instance[2]", "instance[2].peers". */
  target: string;
  resolvedTarget: FaultTarget;
  action: FaultAction;
  /** From the start of the load (warmup included), ms. */
  atMs: number;
  /** When the fault is undone (duration or restartAfter); null when it lasts to the end of the run. */
  endMs: number | null;
}

type ActionKey = 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data' | 'down' | 'fraction' | 'kill' | 'stop' | 'pause' | 'restart' | 'partition';
const ACTION_KEYS: ActionKey[] = ['latency', 'bandwidth', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'down', 'fraction', 'kill', 'stop', 'pause', 'restart', 'partition'];
const TOXIC_KEYS = new Set<ActionKey>(['latency', 'bandwidth', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'down']);
const ALLOWED: Record<FaultTarget['kind'], Set<ActionKey>> = {
  redis: new Set([...TOXIC_KEYS, 'fraction', 'restart']),
  instance: new Set(['kill', 'stop', 'pause']),
  peers: new Set([...TOXIC_KEYS, 'partition']),
};
/** Keys that only make sense with one action. */
const ONLY_WITH: [key: keyof FaultInput, actions: ActionKey[]][] = [
  ['jitter', ['latency']],
  ['toxicity', [...TOXIC_KEYS]],
  ['direction', [...TOXIC_KEYS]],
  ['error', ['fraction']],
  ['commands', ['fraction']],
  ['grace', ['stop']],
  ['restartAfter', ['kill', 'stop']],
];

/** The action of a fault entry: `latency` with `fraction` is a per-command fault, not a toxic. */
function actionsOf(f: FaultInput): ActionKey[] {
  return ACTION_KEYS.filter((k) => f[k] !== undefined && !(k === 'latency' && f.fraction !== undefined));
}

function targetKind(target: string): FaultTarget['kind'] {
  const m = TARGET_RE.exec(target)!;
  return m[3] ? 'peers' : m[1] === 'redis' ? 'redis' : 'instance';
}

/** Problems of one fault entry that the schema alone can't see, each with the key it belongs to. */
export function faultProblems(f: FaultInput, instances: number): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  const actions = actionsOf(f);
  if (actions.length !== 1) {
    out.push({
      key: actions[1] ?? 'at',
      message: actions.length === 0
        ? `expected one action (${ACTION_KEYS.join(', ')}), found none`
        : `expected one action per fault, found ${actions.join(' and ')}`,
    });
    return out;
  }
  const action = actions[0]!;
  const kind = targetKind(f.target);
  if (!ALLOWED[kind].has(action)) {
    out.push({ key: action, message: `${action} does not apply to target ${f.target}; it takes ${[...ALLOWED[kind]].join(', ')}` });
  }
  const m = TARGET_RE.exec(f.target)!;
  if (m[2] !== undefined && Number(m[2]) >= instances) {
    out.push({ key: 'target', message: `instance[${m[2]}] does not exist: the cluster has instances 0..${instances - 1}` });
  }
  for (const [key, allowed] of ONLY_WITH) {
    if (f[key] !== undefined && !allowed.includes(action)) out.push({ key, message: `${key} goes only with ${allowed.join(' / ')}` });
  }
  if (action === 'pause' && f.duration === undefined) out.push({ key: 'pause', message: 'a pause needs a duration' });
  if (action === 'fraction' && (f.latency === undefined) === (f.error === undefined)) {
    out.push({ key: 'fraction', message: 'a per-command fault needs either latency or error' });
  }
  if (action === 'restart' && f.duration !== undefined) out.push({ key: 'duration', message: 'a restart is instantaneous: it takes no duration' });
  return out;
}

function toxicOf(f: FaultInput, action: ActionKey): ToxicSpec {
  const base = { direction: f.direction ?? 'downstream', toxicity: f.toxicity ?? 1 } as const;
  switch (action) {
    case 'latency':
      return { ...base, type: 'latency', params: { latency: f.latency!, jitter: f.jitter ?? 0 } };
    case 'bandwidth':
      return { ...base, type: 'bandwidth', params: { rate: f.bandwidth! } };
    case 'timeout':
      return { ...base, type: 'timeout', params: { timeout: f.timeout! } };
    case 'reset_peer':
      return { ...base, type: 'reset_peer', params: { timeout: f.reset_peer! } };
    case 'slicer':
      return { ...base, type: 'slicer', params: { ...f.slicer! } };
    case 'limit_data':
      return { ...base, type: 'limit_data', params: { bytes: f.limit_data! } };
    case 'down':
    case 'partition':
      return { direction: 'both', toxicity: 1, type: 'down', params: {} };
    default:
      return {
        direction: 'both',
        toxicity: 1,
        type: 'redis_command',
        params: {
          fraction: f.fraction!,
          latency: f.latency ?? 0,
          ...(f.error !== undefined ? { error: f.error } : {}),
          ...(f.commands ? { commands: f.commands.map((c) => c.toUpperCase()) } : {}),
        },
      };
  }
}

function label(f: FaultInput, action: ActionKey): string {
  switch (action) {
    case 'latency':
      return `latency ${formatDurationMs(f.latency!)}${f.jitter ? `±${formatDurationMs(f.jitter)}` : ''}`;
    case 'bandwidth':
      return `bandwidth ${f.bandwidth}KB/s`;
    case 'timeout':
      return 'stall';
    case 'reset_peer':
      return 'reset';
    case 'limit_data':
      return `limit ${f.limit_data}B`;
    case 'fraction': {
      const what = f.error !== undefined ? 'errors' : `latency ${formatDurationMs(f.latency!)}`;
      return `${Math.round(f.fraction! * 1000) / 10}% ${f.commands ? `${f.commands.join('/').toUpperCase()} ` : ''}${what}`;
    }
    default:
      return action;
  }
}

/** Resolve a validated fault list (faultProblems found nothing) into the run's plan. */
export function planFaults(faults: readonly FaultInput[], instances: number, seed: number): PlannedFault[] {
  const prng = new Prng(seed, 'faults');
  const names = new Map<string, number>();
  return faults.map((f, index) => {
    const action = actionsOf(f)[0]!;
    const m = TARGET_RE.exec(f.target)!;
    const instance = m[1] === 'random-instance' ? prng.int(0, instances - 1) : Number(m[2]);
    const kind = targetKind(f.target);
    const resolvedTarget: FaultTarget = kind === 'redis' ? { kind } : { kind, index: instance };
    const target = kind === 'redis' ? 'redis' : `instance[${instance}]${kind === 'peers' ? '.peers' : ''}`;
    let planned: FaultAction;
    if (action === 'kill' || action === 'stop') {
      planned = { kind: action, graceMs: f.grace ?? 2000, restartAfterMs: f.restartAfter ?? null };
    } else if (action === 'pause' || action === 'restart' || action === 'partition') {
      planned = action === 'partition' ? { kind: 'toxic', toxic: toxicOf(f, action) } : { kind: action };
    } else {
      planned = { kind: 'toxic', toxic: toxicOf(f, action) };
    }
    let name = f.name ?? `${target} ${label(f, action)}`;
    const seen = names.get(name) ?? 0;
    names.set(name, seen + 1);
    if (seen > 0) name = `${name} #${seen + 1}`;
    const endMs = f.duration !== undefined ? f.at + f.duration : f.restartAfter !== undefined ? f.at + f.restartAfter : null;
    return { index, name, target, resolvedTarget, action: planned, atMs: f.at, endMs };
  });
}
