/** `sessbench backends`: every backend with its routing need and what it does. */
import { backends } from '../backends/registry.js';
import { ExitCode } from '../errors.js';

export function backendsCommand(): number {
  const rows = Object.values(backends).map((b) => [
    b.name,
    b.routing === 'affinity' ? 'sticky (affinity)' : 'any',
    b.description,
  ]);
  const w0 = Math.max(7, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(7, ...rows.map((r) => r[1]!.length));
  const lines = [`${'backend'.padEnd(w0)}  ${'routing'.padEnd(w1)}  description`];
  for (const [n, r, d] of rows) lines.push(`${n!.padEnd(w0)}  ${r!.padEnd(w1)}  ${d}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
