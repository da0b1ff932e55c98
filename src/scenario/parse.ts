/**
 * Scenario file → validated Scenario, or a ScenarioError holding every problem at once, each with
 * its line and column, its key path, what was expected and what was found.
 */
import { readFile, stat } from 'node:fs/promises';
import type * as z from 'zod';
import { backendNames, backends, defaultBackendNames } from '../backends/registry.js';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import type { BackendDefinition } from '../backends/types.js';
import { type FaultSpec, type RedisShape, faultProblems, faultSchema, resolveFault } from '../faults/schema.js';
import { resolveThresholds } from '../gates/thresholds.js';
import { didYouMean } from '../util/did-you-mean.js';
import { crossChecks, resolvePhases } from './checks.js';
import { type Positions, type SourceOptions, formatPath, readDocument } from './document.js';
import { redisShape } from './redis-shape.js';
import { type BackendSpec, type Scenario, ScenarioSchema, backendEntrySchema } from './schema.js';
import type { TransportSpec } from './transport.js';

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** The object shape a zod schema has at a path, unwrapping defaults, optionals, pipes and arrays. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  // Zod's own definition tree, as far as this walk reads it.
  type Def = { type?: string; innerType?: Node; in?: Node; element?: Node; shape?: Record<string, Node> };
  type Node = { _zod?: { def?: Def } };
  let s: Node | undefined = schema as unknown as Node;
  const unwrap = () => {
    for (;;) {
      const def: Def | undefined = s?._zod?.def;
      if (def?.type === 'optional' || def?.type === 'default' || def?.type === 'prefault' || def?.type === 'nullable')
        s = def.innerType;
      else if (def?.type === 'pipe') s = def.in;
      else return;
    }
  };
  unwrap();
  for (const p of path) {
    const def: Def | undefined = s?._zod?.def;
    if (def?.type === 'array' && typeof p === 'number') s = def.element;
    else if (def?.type === 'object') s = def.shape?.[p as string];
    else return [];
    unwrap();
  }
  const def: Def | undefined = s?._zod?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function describeIssue(iss: z.core.$ZodIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined
        ? `required, but missing (expected ${iss.expected})`
        : `expected ${iss.expected}, got ${show(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array')
        return `expected at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}, got ${show(iss.input)}`;
      if (iss.origin === 'string') return `expected at least ${iss.minimum} characters`;
      return `expected a number ${iss.inclusive ? '>=' : '>'} ${iss.minimum}, got ${show(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'string') return `expected at most ${iss.maximum} characters`;
      return `expected a number ${iss.inclusive ? '<=' : '<'} ${iss.maximum}, got ${show(iss.input)}`;
    case 'invalid_value': {
      const values = iss.values.map((v) => JSON.stringify(v));
      const hint = typeof iss.input === 'string' ? didYouMean(iss.input, iss.values.map(String)) : '';
      const expected = values.length === 1 ? values[0] : `one of ${values.join(' | ')}`;
      return `expected ${expected}, got ${show(iss.input)}${hint}`;
    }
    case 'invalid_format':
      return `${iss.message}, got ${show(iss.input)}`;
    case 'not_multiple_of':
      return `expected a whole number, got ${show(iss.input)}`;
    default:
      return iss.message;
  }
}

function collect(
  result: z.ZodSafeParseResult<unknown>,
  schema: z.ZodType,
  prefix: readonly PropertyKey[],
  pos: Positions,
  out: ScenarioIssue[],
): void {
  if (result.success) return;
  for (const iss of result.error.issues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === 'unrecognized_keys') {
      const known = keysAt(schema, iss.path);
      for (const key of iss.keys) {
        const p = pos.key(path, key);
        out.push({
          ...p,
          path: formatPath([...path, key]),
          message: `unknown key${didYouMean(key, known)}; expected one of ${known.join(', ')}`,
        });
      }
      continue;
    }
    // A number where an integer is expected reports as not_multiple_of / invalid_type "int".
    out.push({ ...pos.value(path), path: formatPath(path), message: describeIssue(iss) });
  }
}

interface ResolvedEntry {
  spec: BackendSpec;
  usesRedis: boolean;
  redis: RedisShape | undefined;
}

/** Each backend entry checked against its own backend's options; with its Redis deployment. */
function resolveBackends(entries: unknown[], pos: Positions, out: ScenarioIssue[]): ResolvedEntry[] {
  const specs: ResolvedEntry[] = [];
  entries.forEach((entry, i) => {
    const isObj = typeof entry === 'object' && entry !== null;
    if (isObj ? typeof (entry as { backend?: unknown }).backend !== 'string' : typeof entry !== 'string') return;
    const name = isObj ? (entry as { backend: string }).backend : (entry as string);
    const path = isObj ? ['backends', i, 'backend'] : ['backends', i];
    if (!backendNames.includes(name as never)) {
      out.push({
        ...pos.value(path),
        path: formatPath(path),
        message:
          `unknown backend ${show(name)}${didYouMean(name, backendNames)}; ` +
          `expected one of ${backendNames.join(', ')}`,
      });
      return;
    }
    const schema = backendEntrySchema(name);
    const parsed = schema.safeParse(isObj ? entry : { backend: name }, { reportInput: true });
    collect(parsed, schema, ['backends', i], pos, out);
    if (!parsed.success) return;
    const { backend, label, transport, ...options } = parsed.data as {
      backend: string;
      label?: string;
      transport?: TransportSpec;
    } & Record<string, unknown>;
    const spec: BackendSpec = { backend, label: label ?? backend, options, ...(transport ? { transport } : {}) };
    if (specs.some((s) => s.spec.label === spec.label)) {
      out.push({
        ...pos.value(['backends', i]),
        path: formatPath(['backends', i]),
        message: `backend label "${spec.label}" is used twice; give each variant its own \`label\``,
      });
      return;
    }
    const def = backends[name as keyof typeof backends] as BackendDefinition;
    const topology = def.usesRedis ? (def.redisTopology?.(options as never) ?? { kind: 'single' }) : undefined;
    specs.push({ spec, usesRedis: def.usesRedis, redis: topology && redisShape(spec.label, topology) });
  });
  return specs;
}

/** Every fault entry that is well-formed on its own, checked as a whole and resolved. */
function resolveFaults(
  entries: unknown,
  instances: number,
  redis: readonly RedisShape[],
  pos: Positions,
  out: ScenarioIssue[],
): FaultSpec[] {
  const specs: FaultSpec[] = [];
  (Array.isArray(entries) ? entries : []).forEach((entry, i) => {
    const f = faultSchema.safeParse(entry);
    if (!f.success) return;
    const problems = faultProblems(f.data, instances, redis);
    for (const p of problems)
      out.push({ ...pos.key(['faults', i], p.key), path: formatPath(['faults', i, p.key]), message: p.message });
    if (problems.length === 0) specs.push(resolveFault(f.data));
  });
  return specs;
}

/**
 * Validate scenario text. `file` names it in messages; `opts` adds `--set` overrides and the
 * environment for `${VAR}`. Throws ScenarioError with every problem.
 */
export function parseScenario(text: string, file: string, opts: SourceOptions = {}): Scenario {
  const { value, pos, sets, issues } = readDocument(text, file, opts);
  const unresolved = new Set(issues.map((i) => `${i.line}:${i.col}`));
  try {
    return validate(value, pos, issues, file);
  } catch (err) {
    if (!(err instanceof ScenarioError) || (sets.size === 0 && unresolved.size === 0)) throw err;
    // A problem in a value that --set gave has no place in the file: name the --set instead.
    const fromSet = (i: ScenarioIssue) =>
      [...sets].find(([path]) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
    const attributed = err.issues
      // A ${VAR} that is not set is one problem, not also a malformed value at the same place.
      .filter((i) => i.path === '' || !unresolved.has(`${i.line}:${i.col}`))
      .map((i) => {
        const set = fromSet(i);
        return set ? { ...i, line: 0, col: 0, message: `${i.message} (from --set ${set[1]})` } : i;
      });
    throw sorted(file, attributed);
  }
}

function validate(value: unknown, pos: Positions, issues: ScenarioIssue[], file: string): Scenario {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({
      ...pos.value([]),
      path: '',
      message: `expected a mapping with name, backends, cluster and load, got ${show(value)}`,
    });
    throw sorted(file, issues);
  }
  const result = ScenarioSchema.safeParse(value, { reportInput: true });
  collect(result, ScenarioSchema, [], pos, issues);
  // Backend entries of the wrong shape were reported by the schema; the rest are checked against
  // their own backend's options here, with indexes kept as in the file.
  const rawBackends = (value as { backends?: unknown }).backends;
  const specs = resolveBackends(
    rawBackends === undefined ? [...defaultBackendNames] : Array.isArray(rawBackends) ? rawBackends : [],
    pos,
    issues,
  );
  const raw = value as { faults?: unknown; cluster?: { instances?: unknown } };
  const instances = result.success ? result.data.cluster.instances : Number(raw.cluster?.instances) || 4;
  const shapes = specs.flatMap((b) => (b.redis ? [b.redis] : []));
  const faults = resolveFaults(raw.faults, instances, shapes, pos, issues);
  if (!result.success || issues.length) throw sorted(file, issues);
  const { phases, issues: loadIssues } = resolvePhases(result.data, faults, pos);
  if (loadIssues.length) throw sorted(file, [...issues, ...loadIssues]);
  const load = { ...result.data.load, phases };
  issues.push(...crossChecks({ ...result.data, load, backends: [], faults, thresholds: [] }, faults, pos));
  const labels = specs.map((b) => ({ label: b.spec.label, usesRedis: b.usesRedis }));
  const thresholds = resolveThresholds(result.data.thresholds, labels, faults, load.steps !== undefined);
  for (const p of thresholds.problems) {
    const path = ['thresholds', ...p.path];
    const last = path[path.length - 1];
    const at = typeof last === 'string' && p.path.length <= 2 ? pos.key(path.slice(0, -1), last) : pos.value(path);
    issues.push({ ...at, path: formatPath(path), message: p.message });
  }
  if (issues.length) throw sorted(file, issues);
  return { ...result.data, load, backends: specs.map((b) => b.spec), faults, thresholds: thresholds.specs };
}

function sorted(file: string, issues: ScenarioIssue[]): ScenarioError {
  return new ScenarioError(
    file,
    [...issues].sort((a, b) => a.line - b.line || a.col - b.col),
  );
}

/** Scenario files larger than this are refused unread. */
const MAX_FILE_BYTES = 1024 * 1024;

/** Read and validate a scenario file. */
export async function loadScenario(file: string, opts: SourceOptions = {}): Promise<Scenario> {
  let text: string;
  try {
    if ((await stat(file)).size > MAX_FILE_BYTES) {
      throw new ScenarioError(file, [
        { line: 0, col: 0, path: '', message: `larger than ${MAX_FILE_BYTES} bytes: not a scenario` },
      ]);
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ScenarioError(file, [
      {
        line: 0,
        col: 0,
        path: '',
        message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(err)})`,
      },
    ]);
  }
  return parseScenario(text, file, opts);
}
