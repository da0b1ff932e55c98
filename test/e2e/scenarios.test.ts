/**
 * Every scenario shipped in scenarios/ is valid, and runs to completion when shortened.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/run/results.js';
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

  // The quickstart has its own end-to-end test (run.test.ts).
  it.each(files.filter((f) => f !== 'quickstart.yaml'))('%s runs to completion (shortened)', async (f) => {
    const r = await runCli(['run', variant(f, tmp.dir, SHORT_LOAD), '--json', '--out', join(tmp.dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as RunResults;
    expect(results.interrupted).toBe(false);
    for (const b of results.backends) expect(b.turns.total).toBeGreaterThan(50);
  }, 120_000);
});
