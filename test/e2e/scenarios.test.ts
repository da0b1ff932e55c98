/**
 * Every scenario shipped in scenarios/ is valid, and runs to completion when shortened.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { ROOT, SHORT_LOAD, runCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it.each(files)('%s is valid', async (f) => {
    const r = await runCli(['validate', join('scenarios', f)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('valid.');
  });

  // Scenarios another e2e file runs with assertions of its own: read from those files' code (the
  // first argument of their run, scaled or variant calls), not from a list kept here.
  const runBy = (test: string) =>
    new Set([...readFileSync(join(ROOT, 'test', 'e2e', test), 'utf8').matchAll(/\b(?:run|scaled|variant)\('([\w.-]+\.yaml)'/g)].map((m) => m[1]!));
  const byFaults = new Set([...runBy('faults.test.ts'), ...runBy('transports.test.ts'), ...runBy('scaled-stores.test.ts')]);
  const elsewhere = new Set([...byFaults, ...runBy('run.test.ts'), ...runBy('codecs.test.ts')]);

  it('every scenario with faults is run by faults.test.ts or scaled-stores.test.ts', () => {
    const withFaults = files.filter((f) => parseScenario(readFileSync(join(ROOT, 'scenarios', f), 'utf8'), f).faults.length > 0);
    expect(withFaults.length).toBeGreaterThan(0);
    for (const f of withFaults) expect(byFaults.has(f), `${f} has faults but no fault test runs it`).toBe(true);
    // And nothing there names a scenario that does not exist.
    for (const f of elsewhere) expect(files, f).toContain(f);
  });

  it.each(files.filter((f) => !elsewhere.has(f)))('%s runs to completion (shortened)', async (f) => {
    const search = readFileSync(join(ROOT, 'scenarios', f), 'utf8').includes('steps:');
    // A capacity search keeps its steps, fewer and shorter; the others get the short phases.
    const edits: [(string | number)[], unknown][] = search
      ? [
          [['load', 'warmup'], '500ms'],
          [['load', 'steps', 'count'], 3],
          [['load', 'steps', 'duration'], '1500ms'],
          [['load', 'drain'], '2s'],
          // A loaded CI machine is slower than the shipped SLO assumes; the search itself is the point.
          [['load', 'slo', 'p99'], '10s'],
        ]
      : SHORT_LOAD;
    const r = await runCli(['run', variant(f, tmp.dir, edits), '--json', '--out', join(tmp.dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as RunResults;
    expect(results.interrupted).toBe(false);
    for (const b of results.backends) expect(b.turns.total).toBeGreaterThan(50);
    if (search) for (const b of results.backends) expect(b.capacity?.steps, b.label).toHaveLength(3);
  }, 120_000);
});
