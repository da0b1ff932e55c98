/**
 * The `faults:` entries of a scenario, derived from the toxic registry and the process actions
 * below. A fault names when (`at`, optional `duration`), where (`target`) and what: one action,
 * written with Toxiproxy's toxic names where it is a toxic.
 *
 *   - { at: 15s, duration: 10s, target: redis, latency: 50ms, jitter: 10ms }
 *   - { at: 30s, duration: 5s, target: redis, down: true }
 *   - { at: 20s, duration: 5s, target: redis, fraction: 30%, error: "ERR injected", commands: [GET] }
 *   - { at: 38s, target: "instance[1]", kill: true, restartAfter: 5s }
 *   - { at: 10s, duration: 8s, target: "instance[2].peers", partition: true }
 *
 * `faultSchema` checks each key on its own; `resolveFault` checks the entry as a whole (one action,
 * a target it applies to, keys that belong to that action) and turns it into a `FaultSpec`.
 */
import * as z from 'zod';
import { durationMs, probability } from '../util/fields.js';
import { PROCESS_ACTIONS, PROCESS_PARAMS } from './actions.js';
import {
  type ParsedTarget,
  type RedisShape,
  TARGET_RE,
  TARGET_TEXT,
  type TargetKind,
  parseTarget,
  redisTargetProblem,
} from './targets.js';
import { type Param, scenarioField, paramsSchema } from './toxics/params.js';
import { toxicNames, toxics } from './toxics/registry.js';
import type { ToxicDefinition, ToxicSpec } from './toxics/types.js';

/** No fault time may exceed a day (the longest phase), so no timer can overflow. */
const DAY_MS = 24 * 3_600_000;

export { TARGET_RE, parseTarget, type RedisShape };

const toxicList = toxicNames.map((name) => toxics[name] as ToxicDefinition);

/** The key a toxic's value or mapping stands under, and the parameter keys beside it. */
function besideKeys(t: ToxicDefinition): string[] {
  return 'value' in t.form ? Object.keys(t.params).filter((k) => 'value' in t.form && k !== t.form.value) : [];
}

/** Scenario fields of every toxic key and parameter, merged where two toxics share a name. */
function toxicFields(): Record<string, z.ZodType> {
  const fields: Record<string, z.ZodType> = {};
  const units = new Map<string, { unit: string; descriptions: string[] }>();
  const add = (key: string, p: Param<unknown>, owner: string) => {
    const seen = units.get(key);
    if (seen && seen.unit !== p.unit)
      throw new Error(`toxic key "${key}" is declared with two units (${seen.unit}, ${p.unit})`);
    const descriptions = [...(seen?.descriptions ?? []), `${owner}: ${p.description}`];
    units.set(key, { unit: p.unit, descriptions });
    fields[key] = scenarioField({ ...p, description: descriptions.join('; ') });
  };
  for (const t of toxicList) {
    const { key } = t.form;
    if ('value' in t.form) add(key, t.params[t.form.value]!, `${t.name} toxic`);
    else if ('mapping' in t.form) {
      const inner = Object.fromEntries(Object.entries(t.params).map(([k, p]) => [k, scenarioField(p)]));
      fields[key] = z.strictObject(inner).optional().describe(`${t.name} toxic: ${t.description}`);
    } else fields[key] = z.literal(true).optional().describe(`${t.name} toxic: ${t.description}`);
    for (const k of besideKeys(t)) add(k, t.params[k]!, `with ${key}`);
  }
  return fields;
}

export const faultSchema = z.strictObject({
  name: z.string().min(1).max(80).optional().describe("Names the fault's phase in the results; generated when absent."),
  at: durationMs({ max: DAY_MS }).describe('When the fault starts, from the start of the load (warmup included).'),
  duration: durationMs({ min: 1, max: DAY_MS })
    .optional()
    .describe('How long it lasts; until the end of the run when absent.'),
  target: z
    .string()
    .regex(TARGET_RE, TARGET_TEXT)
    .describe(
      'redis (every Redis link, or the server for restart), redis[k] / redis[k].replica (one node), redis.pubsub ' +
        '(the subscriber link), instance[k] / random-instance (the process), <instance>.peers (its peer links), ' +
        "clients (the driver's links to every instance) or <instance>.clients (the driver's links to that instance).",
    ),
  ...toxicFields(),
  toxicity: probability().optional().describe('Probability that a toxic applies to a connection (default 1).'),
  direction: z
    .enum(['upstream', 'downstream', 'both'])
    .optional()
    .describe('Toxic stream (default downstream, as in Toxiproxy).'),
  ...Object.fromEntries(
    Object.entries(PROCESS_ACTIONS).map(([k, a]) => [k, z.literal(true).optional().describe(a.description)]),
  ),
  ...Object.fromEntries(
    Object.entries(PROCESS_PARAMS).map(([k, p]) => [k, p.field().optional().describe(p.description)]),
  ),
});

export type FaultInput = z.output<typeof faultSchema>;

export type FaultAction =
  | { kind: 'toxic'; toxic: ToxicSpec }
  | { kind: 'kill' | 'stop'; graceMs: number; restartAfterMs: number | null }
  | { kind: 'pause' }
  | { kind: 'restart' }
  | { kind: 'failover'; restartAfterMs: number | null }
  | { kind: 'reshard'; share: number }
  | { kind: 'remove-node' | 'add-node' };

/** A fault entry resolved: its one action, in its units; the target is resolved by the plan. */
export interface FaultSpec {
  name?: string;
  /** Short text for the generated name: "latency 50ms", "kill". */
  label: string;
  atMs: number;
  durationMs?: number;
  /** As written: redis, redis[k], redis[k].replica, redis.pubsub, instance[k], random-instance, with .peers. */
  target: string;
  action: FaultAction;
}

const NO_TOXIC = { form: { key: '', flag: true } } as ToxicDefinition;

/** Every action key: toxics (in registry order), then process actions. */
const ACTION_KEYS = [...toxicList.map((t) => t.form.key), ...Object.keys(PROCESS_ACTIONS)];

function toxicByKey(key: string): ToxicDefinition | undefined {
  return toxicList.find((t) => t.form.key === key);
}

/** The action keys an entry gives; a key that is a parameter of another given toxic is that toxic's. */
function actionsOf(entry: Record<string, unknown>): string[] {
  const given = ACTION_KEYS.filter((k) => entry[k] !== undefined);
  const params = new Set(given.flatMap((k) => besideKeys(toxicByKey(k) ?? NO_TOXIC)));
  return given.filter((k) => !params.has(k));
}

const REDIS_LINKS: readonly TargetKind[] = ['redis', 'redis-node', 'redis-pubsub'];

/** Targets an action applies to: a toxic's links (every Redis link kind for `redis`), or the process action's. */
function targetsOf(action: string): readonly TargetKind[] {
  const toxic = toxicByKey(action);
  if (!toxic) return PROCESS_ACTIONS[action]!.targets;
  return toxic.links.flatMap((l) => (l === 'redis' ? REDIS_LINKS : [l]));
}

/** Keys that belong to one action or a few: toxic parameters, toxicity/direction, process parameters. */
function keyOwners(): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const own = (key: string, action: string) => owners.set(key, [...(owners.get(key) ?? []), action]);
  for (const t of toxicList) {
    for (const k of besideKeys(t)) own(k, t.form.key);
    if (!t.wholeLink) for (const k of ['toxicity', 'direction']) own(k, t.form.key);
  }
  for (const [k, p] of Object.entries(PROCESS_PARAMS)) for (const a of p.with) own(k, a);
  return owners;
}
const OWNERS = keyOwners();

export interface FaultProblem {
  /** The entry's key the problem belongs to (its position is the key's). */
  key: string;
  message: string;
}

/** Problems of an entry that each key alone can't show; `redis`: the scenario's Redis deployments. */
export function faultProblems(f: FaultInput, instances: number, redis: readonly RedisShape[] = []): FaultProblem[] {
  const entry = f as Record<string, unknown>;
  const actions = actionsOf(entry);
  if (actions.length !== 1) {
    return [
      {
        key: actions[1] ?? 'at',
        message:
          actions.length === 0
            ? `expected one action (${ACTION_KEYS.join(', ')}), found none`
            : `expected one action per fault, found ${actions.join(' and ')}`,
      },
    ];
  }
  const out: FaultProblem[] = [];
  const action = actions[0]!;
  const target = parseTarget(f.target);
  if (!targetsOf(action).includes(target.kind)) {
    const takes = ACTION_KEYS.filter((a) => targetsOf(a).includes(target.kind));
    out.push({ key: action, message: `${action} does not apply to target ${f.target}; it takes ${takes.join(', ')}` });
  } else out.push(...targetProblems(target, f.target, action, instances, redis));
  for (const [key, owners] of OWNERS) {
    if (entry[key] !== undefined && key !== action && !owners.includes(action))
      out.push({ key, message: `${key} goes only with ${owners.join(' / ')}` });
  }
  if (action === 'pause' && f.duration === undefined) out.push({ key: 'pause', message: 'a pause needs a duration' });
  if (action === 'restart' && f.duration !== undefined)
    out.push({ key: 'duration', message: 'a restart is instantaneous: it takes no duration' });
  if (action === 'failover' && target.kind === 'redis-node' && target.replica)
    out.push({ key: 'failover', message: `expected a master (redis[k]) for failover, got ${f.target}` });
  const toxic = toxicByKey(action);
  if (toxic) {
    const given = givenParams(toxic, entry);
    const problem = toxic.problem?.(given);
    if (problem) out.push(problem);
    for (const [name, p] of Object.entries(toxic.params)) {
      if (p.presence === 'required' && given[name] === undefined)
        out.push({ key: action, message: `${toxic.name} needs ${name}` });
    }
  }
  return out;
}

/** An instance index out of range, or a Redis target or action no backend of the scenario has. */
function targetProblems(
  target: ParsedTarget,
  text: string,
  action: string,
  instances: number,
  redis: readonly RedisShape[],
): FaultProblem[] {
  if (target.kind === 'instance' || target.kind === 'peers' || target.kind === 'clients') {
    if (target.index !== 'random' && target.index !== null && target.index >= instances)
      return [
        {
          key: 'target',
          message: `instance[${target.index}] does not exist: the cluster has instances 0..${instances - 1}`,
        },
      ];
    return [];
  }
  // Process actions on a Redis node need a deployment of several processes.
  const topologies =
    PROCESS_ACTIONS[action]?.topologies ??
    (PROCESS_ACTIONS[action] && target.kind === 'redis-node' ? (['cluster', 'sentinel', 'nodes'] as const) : undefined);
  const problem = redisTargetProblem(target, text, action, topologies, redis);
  return problem ? [{ key: problem.key === 'target' ? 'target' : action, message: problem.message }] : [];
}

/** The parameters a fault entry gives a toxic, in their units (before defaults). */
function givenParams(t: ToxicDefinition, entry: Record<string, unknown>): Record<string, unknown> {
  const { form } = t;
  if ('mapping' in form) return { ...(entry[form.key] as Record<string, unknown>) };
  if ('flag' in form) return {};
  const given: Record<string, unknown> = { [form.value]: entry[form.key] };
  for (const k of besideKeys(t)) if (entry[k] !== undefined) given[k] = entry[k];
  return given;
}

/** Resolve an entry that faultProblems found nothing wrong with. */
export function resolveFault(f: FaultInput): FaultSpec {
  const entry = f as Record<string, unknown>;
  const action = actionsOf(entry)[0]!;
  const toxic = toxicByKey(action);
  const base = {
    ...(f.name !== undefined ? { name: f.name } : {}),
    atMs: f.at,
    ...(f.duration !== undefined ? { durationMs: f.duration } : {}),
    target: f.target,
  };
  if (toxic) {
    const params = paramsSchema(toxic.params).parse(givenParams(toxic, entry));
    const spec: ToxicSpec = {
      type: toxic.name,
      params,
      direction: toxic.wholeLink ? 'both' : (f.direction ?? 'downstream'),
      toxicity: toxic.wholeLink ? 1 : (f.toxicity ?? 1),
    };
    return { ...base, label: toxic.label(params), action: { kind: 'toxic', toxic: spec } };
  }
  const param = <T>(key: keyof typeof PROCESS_PARAMS, fallback: T): T => (entry[key] as T | undefined) ?? fallback;
  const restartAfterMs = param<number | null>('restartAfter', PROCESS_PARAMS.restartAfter.default);
  switch (action) {
    case 'kill':
    case 'stop':
      return {
        ...base,
        label: action,
        action: { kind: action, graceMs: param('grace', PROCESS_PARAMS.grace.default), restartAfterMs },
      };
    case 'failover':
      return { ...base, label: action, action: { kind: action, restartAfterMs } };
    case 'reshard': {
      const share = param<number>('share', PROCESS_PARAMS.share.default);
      return { ...base, label: `reshard ${Math.round(share * 100)}%`, action: { kind: action, share } };
    }
    case 'remove-node':
    case 'add-node':
      return { ...base, label: action, action: { kind: action } };
    case 'partition': {
      const down: ToxicSpec = { type: toxics.down.name, params: {}, direction: 'both', toxicity: 1 };
      return { ...base, label: action, action: { kind: 'toxic', toxic: down } };
    }
    default:
      return { ...base, label: action, action: { kind: action as 'pause' | 'restart' } };
  }
}
