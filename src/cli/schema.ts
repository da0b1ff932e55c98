/** `sessbench schema`: the scenario JSON Schema, for editor completion. */
import { ExitCode } from '../errors.js';
import { scenarioJsonSchema } from '../scenario/schema.js';

export function schemaCommand(): number {
  process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  return ExitCode.ok;
}
