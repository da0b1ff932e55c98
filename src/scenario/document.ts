/**
 * The YAML layer of a scenario: the document with the position of every node, `${VAR}` and
 * `${VAR:-default}` taken from the environment, `--set path=value` overrides applied, and the
 * plain value read out of it — with limits, so a YAML bomb (aliases expanding without end) or a
 * document nested without end is a positioned problem like any other, not a crash.
 */
import { type Document, LineCounter, type Scalar, isMap, isPair, isScalar, parseDocument, visit } from 'yaml';
import { ScenarioError, type ScenarioIssue, messageOf } from '../errors.js';

/** Alias expansions allowed while reading the value (yaml's own guard against bombs). */
const MAX_ALIASES = 100;
/** Deepest flow nesting ([ and {) accepted; scenarios need a handful. */
const MAX_DEPTH = 64;
const MAX_SYNTAX_ERRORS = 3;
// `{ target: instance[1] }` and `{ rate: ${RATE} }`: brackets and braces are flow indicators
// inside braces, so such a value must be quoted.
const FLOW_HINTS: [RegExp, string][] = [
  [
    /\{[^}\n]*:\s*(instance|random-instance|redis)\[/,
    ' (inside { } write "instance[1]" in quotes, "redis[0]" too: [ and ] are YAML indicators there)',
  ],
  [/[{[][^\n]*\$\{/, ' (inside { } or [ ] write "$' + '{VAR}" in quotes: { and } are YAML indicators there)'],
];

export type Path = (string | number)[];

/** The first line of a yaml error message, without its own position (ours comes first). */
const firstLine = (message: string) => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private at(offset: number | undefined): { line: number; col: number } {
    return offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset);
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. */
  value(path: readonly PropertyKey[]): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as Path, true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.at(node.range[0]);
    }
    return this.at(this.doc.contents?.range?.[0]);
  }

  /** Position of the key `key` in the mapping at `path`. */
  key(path: readonly PropertyKey[], key: string): { line: number; col: number } {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path as Path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.at(pair.key.range[0]);
        }
      }
    }
    return this.value(path);
  }
}

/** The position of the first flow collection nested deeper than MAX_DEPTH, outside quotes. */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${VAR}` and `${VAR:-default}` in every string value (not in keys); `$${` is a literal `${`. */
function substitute(
  doc: Document,
  env: NodeJS.ProcessEnv,
  at: (node: Scalar) => { line: number; col: number },
  out: ScenarioIssue[],
): void {
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value;
      const whole = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(text);
      const missing: string[] = [];
      const replaced = text.replace(REF, (m, name: string | undefined, fallback: string | undefined) => {
        if (m === '$${') return '${';
        const v = env[name!];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        missing.push(name!);
        return m;
      });
      for (const name of missing) {
        out.push({
          ...at(node),
          path: '',
          message: `environment variable ${name} is not set (write \${${name}:-default} for a default)`,
        });
      }
      // A value that is one reference takes the type its text has: ${RATE} = "20" is the number 20.
      node.value = whole && missing.length === 0 ? parseDocument(replaced).toJS() : replaced;
    },
  });
}

const SET_RE = /^([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)=(.*)$/s;

/** Apply `--set path=value` (value read as YAML); returns each override's path, or its problem. */
function applySets(doc: Document, sets: readonly string[], out: ScenarioIssue[]): Map<string, string> {
  const applied = new Map<string, string>();
  for (const text of sets) {
    const m = SET_RE.exec(text);
    if (!m) {
      out.push({
        line: 0,
        col: 0,
        path: '',
        message: `--set ${JSON.stringify(text)}: expected path=value, like load.phases[0].arrivalRate=50`,
      });
      continue;
    }
    const path: Path = [];
    for (const part of m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]/g))
      path.push(part[2] !== undefined ? Number(part[2]) : part[1]!);
    const value = parseDocument(m[2]!);
    if (value.errors.length) {
      out.push({
        line: 0,
        col: 0,
        path: formatPath(path),
        message: `--set ${text}: the value is not YAML (${value.errors[0]!.message.split('\n')[0]})`,
      });
      continue;
    }
    try {
      doc.setIn(path, doc.createNode(value.toJS()));
      applied.set(formatPath(path), text);
    } catch (err) {
      out.push({ line: 0, col: 0, path: formatPath(path), message: `--set ${text}: ${(err as Error).message}` });
    }
  }
  return applied;
}

export interface SourceOptions {
  /** `path=value` overrides, applied in order after the file is read. */
  set?: readonly string[];
  /** Where `${VAR}` is looked up (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

export interface ReadDocument {
  value: unknown;
  /** Problems of `${VAR}` references and `--set` overrides; the value is still checked after them. */
  issues: ScenarioIssue[];
  pos: Positions;
  /** The path (as formatted) of every --set override, with its text. */
  sets: Map<string, string>;
}

function fail(file: string, issues: ScenarioIssue[]): never {
  throw new ScenarioError(file, issues);
}

/** Parse scenario text into a value with positions; throws ScenarioError for anything unreadable. */
export function readDocument(text: string, file: string, opts: SourceOptions = {}): ReadDocument {
  const deep = tooDeep(text);
  const lines = new LineCounter();
  if (deep !== undefined) {
    parseDocument(text.slice(0, deep), { lineCounter: lines });
    fail(file, [{ ...lines.linePos(deep), path: '', message: `nested deeper than ${MAX_DEPTH} levels` }]);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  // After the first syntax error the parser's later complaints are mostly echoes of it.
  const hint = FLOW_HINTS.find(([re]) => re.test(text))?.[1] ?? '';
  const syntax: ScenarioIssue[] = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e, i) => ({
    line: e.linePos?.[0].line ?? 1,
    col: e.linePos?.[0].col ?? 1,
    path: '',
    message: `YAML syntax: ${firstLine(e.message)}${i === 0 ? hint : ''}`,
  }));
  if (syntax.length) fail(file, syntax);
  const issues: ScenarioIssue[] = [];
  substitute(doc, opts.env ?? process.env, (node) => lines.linePos(node.range?.[0] ?? 0), issues);
  const sets = applySets(doc, opts.set ?? [], issues);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    let first: { line: number; col: number } = { line: 1, col: 1 };
    visit(doc, {
      Alias(_, node) {
        if (node.range) first = lines.linePos(node.range[0]);
        return visit.BREAK;
      },
    });
    const message =
      err instanceof ReferenceError
        ? `aliases expand too far (more than ${MAX_ALIASES} expansions): is this a YAML bomb?`
        : `cannot read the document: ${messageOf(err)}`;
    fail(file, [{ ...first, path: '', message }]);
  }
  return { value, issues, pos: new Positions(doc, lines), sets };
}
