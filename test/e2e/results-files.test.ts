/**
 * The commands that read results files (`compare`, `report`), through the real CLI on hand-made
 * results (no benchmark run): output formats, --out, the gate's exit code, and a clear exit-2
 * message for every kind of bad file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reporters } from '../../src/report/registry.js';
import { RESULTS_SCHEMA_VERSION, type RunResults } from '../../src/results/schema.js';
import { fixtureResults } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const STACK = /^\s+at /m;

function file(name: string, content: string | RunResults): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const base = file('base.json', fixtureResults());
const slow = file('slow.json', fixtureResults({ redisP50: 40, redisP99: 60 }));

describe('compare', () => {
  it('prints every compared metric as Markdown and exits 0 without --fail-on', async () => {
    const r = await runCli(['compare', base, slow]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| redis \| latency\.p99 \| 25\.0ms \| 60\.0ms \| \+35\.0ms \| \+140\.0 % \| ▲ worse \|/);
    // Unchanged metrics are listed too.
    expect(r.stdout).toMatch(/\| memory \| latency\.p50 \| 18\.0ms \| 18\.0ms \|/);
  });

  it('--significant lists only the significant changes', async () => {
    const r = await runCli(['compare', base, slow, '--significant']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\| (memory|redis) \|/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/▲ worse|▼ better|\*\*FAIL\*\*/);
    expect(r.stdout).not.toContain('| memory |');
  });

  it('--json prints the comparison as JSON', async () => {
    const r = await runCli(['compare', base, slow, '--json', '--fail-on', 'latency.p99:+10%']);
    expect(r.code).toBe(4);
    const cmp = JSON.parse(r.stdout) as { changes: { backend: string; metric: string; significant: boolean; worse: boolean; failed: string[] }[]; onlyIn: unknown };
    expect(cmp.changes.find((c) => c.backend === 'redis' && c.metric === 'latency.p99')).toMatchObject({ significant: true, worse: true, failed: ['latency.p99:+10%'] });
    expect(cmp.onlyIn).toEqual({ base: [], next: [] });
    expect(r.stderr).toContain('regression: redis latency.p99 25.0ms → 60.0ms (latency.p99:+10%)');
  });

  it('--fail-on exits 4 only for regressions beyond the limit', async () => {
    expect((await runCli(['compare', base, slow, '--fail-on', 'latency.p99:+200%'])).code).toBe(0);
    expect((await runCli(['compare', slow, base, '--fail-on', 'latency.p99:+10%'])).code).toBe(0);
    const bad = await runCli(['compare', base, slow, '--fail-on', 'latncy.p99:+10%']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean "latency.p99"');
  });
});

describe('report', () => {
  it('--out writes the rendered file and prints nothing on stdout', async () => {
    for (const format of ['html', 'md', 'junit', 'json'] as const) {
      const out = join(tmp.dir, `out.${format}`);
      const r = await runCli(['report', base, '--format', format, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`wrote ${out}`);
      expect(readFileSync(out, 'utf8')).toBe(reporters[format].render(JSON.parse(readFileSync(base, 'utf8')) as RunResults));
    }
  });

  it('rejects an unknown --format with the list of formats, exit 2, and writes nothing', async () => {
    const out = join(tmp.dir, 'never.html');
    const r = await runCli(['report', base, '--format', 'htm', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format "htm" is not a report format (did you mean "html"?)');
    expect(r.stderr).toContain('formats: json, md, html, junit');
    expect(existsSync(out)).toBe(false);
  });

  it('says when --out cannot be written, exit 5', async () => {
    const r = await runCli(['report', base, '--out', join(tmp.dir, 'no-such-dir', 'x.html')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cannot write');
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('reading a results file', () => {
  const cases: [string, string, RegExp][] = [
    ['missing', join(tmp.dir, 'missing.json'), /missing\.json: no such file/],
    ['a folder', tmp.dir, /cannot read it \(EISDIR\)/],
    ['not JSON', file('text.json', 'hello'), /text\.json: not JSON/],
    ['JSON of something else', file('other.json', '{"name":"x","backends":[]}'), /other\.json: not a sessbench results\.json/],
    ['null', file('null.json', 'null'), /null\.json: not a sessbench results\.json/],
    ['another schema version', file('v9.json', { ...fixtureResults(), schemaVersion: 9 } as unknown as RunResults), new RegExp(`v9\\.json: results schema 9, this sessbench reads ${RESULTS_SCHEMA_VERSION}\\b`)],
  ];

  it.each(cases)('%s: exit 2 with a clear message, for compare and report', async (_, path, message) => {
    for (const args of [['compare', path, base], ['compare', base, path], ['report', path]]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('run --baseline checks the file before anything runs', async () => {
    const scenario = file('s.yaml', 'name: s\nbackends: [memory]\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\n');
    const r = await runCli(['run', scenario, '--baseline', join(tmp.dir, 'missing.json'), '--out', join(tmp.dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.json: no such file/);
    expect(existsSync(join(tmp.dir, 'reports'))).toBe(false);
  });
});
