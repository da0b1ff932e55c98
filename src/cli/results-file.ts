/**
 * Reading a results.json a user names: checked against the results schema it claims, so a missing,
 * unreadable, foreign or malformed file is a clear error (exit 2) naming the JSON path at fault,
 * never a crash in a reporter.
 */
import { readFileSync, statSync } from 'node:fs';
import type * as z from 'zod';
import { UsageError, messageOf } from '../errors.js';
import { RESULTS_SCHEMA_VERSION, type RunResults, RunResultsSchema } from '../results/schema.js';

/** Results files larger than this are refused before parsing. */
const MAX_BYTES = 256 * 1024 * 1024;
const MAX_PROBLEMS = 5;

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(the document)';
}

function describe(iss: z.core.$ZodIssue): string {
  if (iss.code === 'invalid_type') {
    const got =
      iss.input === undefined
        ? 'nothing'
        : iss.input === null
          ? 'null'
          : Array.isArray(iss.input)
            ? 'a list'
            : typeof iss.input;
    return `expected ${iss.expected}, got ${got}`;
  }
  return iss.message;
}

export function loadResults(file: string): RunResults {
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES)
      throw new UsageError(`${file}: larger than ${MAX_BYTES} bytes, not a results file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? messageOf(err)})`}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${messageOf(err)})`);
  }
  const v = value as { tool?: { name?: unknown }; schemaVersion?: unknown } | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v.tool?.name !== 'sessbench') {
    throw new UsageError(`${file}: not a sessbench results.json`);
  }
  if (v.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(
      `${file}: results schema ${JSON.stringify(v.schemaVersion)}, this sessbench reads ${RESULTS_SCHEMA_VERSION}`,
      'render it with the sessbench version that wrote it',
    );
  }
  const parsed = RunResultsSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const lines = issues.slice(0, MAX_PROBLEMS).map((i) => `  ${jsonPath(i.path)}: ${describe(i)}`);
    if (issues.length > MAX_PROBLEMS) lines.push(`  … and ${issues.length - MAX_PROBLEMS} more`);
    throw new UsageError(`${file}: not a valid results file (schema ${RESULTS_SCHEMA_VERSION}):\n${lines.join('\n')}`);
  }
  // The file as written (its keys in their order), now known to have the schema's shape: a report
  // rebuilt from it is byte for byte the one the run wrote.
  return value as RunResults;
}
