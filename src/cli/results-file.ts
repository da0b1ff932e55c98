/** Reading a results.json a user names: a clear error for a missing, unreadable or foreign file. */
import { readFileSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import { RESULTS_SCHEMA_VERSION, type RunResults } from '../results/schema.js';

export function loadResults(file: string): RunResults {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`);
  }
  let value: Partial<RunResults>;
  try {
    value = JSON.parse(text) as Partial<RunResults>;
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${messageOf(err)})`);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    value.tool?.name !== 'sessbench' ||
    !Array.isArray(value.backends)
  ) {
    throw new UsageError(`${file}: not a sessbench results.json`);
  }
  if (value.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new UsageError(
      `${file}: results schema ${String(value.schemaVersion)}, this sessbench reads ${RESULTS_SCHEMA_VERSION}`,
    );
  }
  return value as RunResults;
}
