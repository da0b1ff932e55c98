/**
 * Reports and gates through the real CLI: a run whose thresholds fail (exit 3, JUnit failures), its
 * report.html opened offline in headless Chromium (no console error, no request, every chart drawn,
 * fault windows shaded, a hostile scenario name shown as text), `report` rebuilding the same HTML,
 * and `compare` / `--baseline` gating a latency regression.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { backendResult, fixtureResults } from '../helpers/fixtures.js';
import { runCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
const HOSTILE = '<script>window.__pwned = 1</script> & "quotes"';
// A fault name with a terminal escape sequence (clear screen) and a line break in it.
const HOSTILE_FAULT = '<img src=x onerror=alert(1)>\x1b[2J\r\n';
let browser: Browser;
let dir: string;
let runCode: number | null;
let runStderr: string;
let runStdout: string;

const SHORT: [(string | number)[], unknown][] = [
  [['load', 'warmup'], '500ms'],
  [['load', 'phases'], [{ duration: '5s', arrivalRate: 10 }]],
  [['load', 'drain'], '3s'],
];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const file = variant('quickstart.yaml', tmp.dir, [
    ...SHORT,
    [['name'], HOSTILE],
    [['backends'], ['memory', 'redis']],
    [['faults'], [{ name: HOSTILE_FAULT, at: '2s', duration: '2s', target: 'redis', latency: '10ms' }]],
    [['thresholds'], { '*': { errors: '< 1%' }, redis: { 'latency.p99': '< 1ms', 'latency.p50{phase:fault}': '< 1s' }, memory: { turn_loss: '< 10%' } }],
  ]);
  const r = await runCli(['run', file, '--out', join(tmp.dir, 'reports')]);
  runCode = r.code;
  runStderr = r.stderr;
  runStdout = r.stdout;
  dir = join(tmp.dir, 'reports', readdirSync(join(tmp.dir, 'reports'))[0]!);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

describe('thresholds', () => {
  it('fail the run with exit code 3 and name the failures with observed values', () => {
    expect(runCode, runStderr).toBe(3);
    expect(runStderr).toMatch(/threshold failed: redis latency\.p99 < 1ms: observed \d+(\.\d+)?ms/);
    expect(runStderr).toMatch(/threshold failed: memory turn_loss < 10%: observed \d+(\.\d+)?%/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResults;
    expect(results.thresholds.filter((t) => !t.ok).map((t) => `${t.backend} ${t.metric}`).sort()).toEqual(['memory turn_loss', 'redis latency.p99']);
    expect(results.thresholds.find((t) => t.phase !== null)).toMatchObject({ backend: 'redis', metric: 'latency.p50', ok: true });
  });

  it('print the hostile names as text on the terminal: no escape sequence, no line break of theirs', () => {
    // NO_COLOR is set: sessbench's own output has no escape sequence either.
    expect(runStdout + runStderr).not.toContain('\x1b');
    expect(runStdout).toContain('<img src=x onerror=alert(1)>\\x1b[2J\\x0d\\x0a');
  });

  it('show as failures in junit.xml', async () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const page = await browser.newPage();
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const suite = doc.querySelector('testsuite');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        tests: Number(suite?.getAttribute('tests')),
        failures: Number(suite?.getAttribute('failures')),
        cases: doc.querySelectorAll('testcase').length,
        failed: [...doc.querySelectorAll('testcase')].filter((c) => c.querySelector('failure')).map((c) => `${c.getAttribute('classname')}: ${c.querySelector('failure')!.getAttribute('message')}`),
      };
    }, xml);
    await page.close();
    expect(parsed.error).toBeNull();
    expect(parsed.cases).toBe(parsed.tests);
    expect(parsed.failures).toBe(2);
    expect(parsed.failed.join('\n')).toMatch(/sessbench\.redis: observed .*ms, expected < 1ms/);
  });
});

describe('report.html in headless Chromium', () => {
  it('opens offline, draws every chart, shades the fault and shows hostile strings as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    // Anything but the file itself would be a network request: refuse it, and it is counted above.
    await page.route(/^(?!file:)/, (route) => route.abort());
    const url = `file://${join(dir, 'report.html')}`;
    await page.goto(url);
    await page.waitForSelector('html[data-charts="drawn"]', { timeout: 10_000 });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    const charts = await page.$$eval('.chart', (els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.id, drawn: false, shaded: null };
        const ctx = canvas.getContext('2d')!;
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return { id: el.id, drawn: painted > 500, shaded: el.querySelector('.uplot')?.getAttribute('data-shaded') ?? null };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['chart-throughput', 'chart-latency', 'chart-events', 'chart-spectrum', 'chart-redis']);
    for (const c of charts) expect(c.drawn, c.id).toBe(true);
    expect(charts.find((c) => c.id === 'chart-throughput')!.shaded).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('h1').textContent()).toBe(`sessbench: ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('body').textContent()).toContain('<img src=x onerror=alert(1)>');
    // Narrow screens scroll the tables instead of squeezing the page.
    await page.setViewportSize({ width: 380, height: 800 });
    await page.waitForFunction(() => document.documentElement.clientWidth === 380, undefined, { timeout: 5000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(380);
    await page.close();
  });

  it('is rebuilt byte for byte from results.json by `sessbench report`', async () => {
    const r = await runCli(['report', join(dir, 'results.json'), '--format', 'html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(dir, 'report.html'), 'utf8'));
    for (const [format, file] of [['md', 'report.md'], ['junit', 'junit.xml'], ['json', 'results.json']]) {
      const x = await runCli(['report', join(dir, 'results.json'), '--format', format!]);
      expect(x.stdout, format).toBe(readFileSync(join(dir, file!), 'utf8'));
    }
  });
});

describe('baseline comparison', () => {
  // The baseline is made by hand, not by an earlier run: the verdicts must not depend on two runs
  // agreeing in latency. Its redis is far faster (1 ms) and its sticky far slower (10 s) than any
  // real run: the gate must flag redis, and only redis.
  it('run --baseline --fail-on exits 4 on a regression, names only the regressed backend, and writes comparison.md', async () => {
    const d = join(tmp.dir, 'cmp');
    mkdirSync(d);
    const base = fixtureResults();
    base.backends = [backendResult('redis', 'redis', { p50: 1, p99: 2, redis: true }), backendResult('sticky', 'sticky', { p50: 10_000, p99: 20_000 })];
    const baseFile = join(d, 'base.json');
    writeFileSync(baseFile, JSON.stringify(base));
    const file = variant('quickstart.yaml', d, [...SHORT, [['backends'], ['redis', 'sticky']], [['faults'], [{ at: '0s', target: 'redis', latency: '20ms' }]]]);
    const rules = 'latency.p50:+10%,latency.p99:+20%,turn_loss:+0.1pp,errors:+0.5pp';
    const out = join(d, 'reports');
    // A hand-made baseline is another scenario: no verdict against it unless forced.
    const refused = await runCli(['run', file, '--out', out, '--baseline', baseFile, '--fail-on', rules]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('not comparable with this run');
    const gated = await runCli(['run', file, '--out', out, '--baseline', baseFile, '--fail-on', rules, '--force']);
    expect(gated.code, gated.stderr).toBe(4);
    expect(gated.stderr).toMatch(/regression: redis latency\.p50 1\.\d+ms → \d+(\.\d+)?ms \(latency\.p50:\+10%\)/);
    expect(gated.stderr).not.toMatch(/regression: sticky/);
    const run = join(out, readdirSync(out)[0]!);
    expect(existsSync(join(run, 'comparison.md'))).toBe(true);
    expect(readFileSync(join(run, 'comparison.md'), 'utf8')).toMatch(/\| sticky \| latency\.p50 \|.*▼ better/);
    const cmp = await runCli(['compare', baseFile, join(run, 'results.json'), '--fail-on', rules, '--force']);
    expect(cmp.code).toBe(4);
    expect(cmp.stdout).toMatch(/\| redis \| latency\.p50 \|.*\*\*FAIL\*\*/);
    // Without --fail-on the same comparison is only information.
    expect((await runCli(['compare', baseFile, join(run, 'results.json')])).code).toBe(0);
  }, 120_000);
});

describe('abortOnFail', () => {
  it('ends the run once the threshold fails, skips the remaining backends and exits 3', async () => {
    const d = join(tmp.dir, 'abort');
    mkdirSync(d);
    const file = variant('quickstart.yaml', d, [
      [['load', 'warmup'], 0],
      [['load', 'phases'], [{ duration: '20s', arrivalRate: 10 }]],
      [['backends'], ['memory', 'redis']],
      [['thresholds'], { memory: { turn_loss: { threshold: '< 1%', abortOnFail: true, delayAbortEval: '1s' } } }],
    ]);
    const r = await runCli(['run', file, '--json', '--out', join(d, 'reports')]);
    expect(r.code, r.stderr).toBe(3);
    const results = JSON.parse(r.stdout) as RunResults;
    // 20 s at 10 conversations/s plans 200; the threshold is checked every second after the first,
    // and memory fails it at once, so the run ends after a few seconds' worth.
    expect(results.backends[0]!.conversations.started).toBeLessThan(100);
    expect(results.abortedBy).toMatch(/^memory: turn_loss < 1% failed with abortOnFail/);
    expect(results.backends.map((b) => b.label)).toEqual(['memory']);
    expect(results.thresholds).toEqual([expect.objectContaining({ backend: 'memory', metric: 'turn_loss', ok: false })]);
    expect(r.stderr).toContain('the run was ended early');
  }, 60_000);
});
