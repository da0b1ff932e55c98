/**
 * Reports and gates through the real CLI: a run whose thresholds fail (exit 3, JUnit failures), its
 * report.html opened offline in headless Chromium (no console error, no request, every chart drawn,
 * fault windows shaded, a hostile scenario name shown as text), `report` rebuilding the same HTML,
 * and `compare` / `--baseline` gating a latency regression.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { runCli, startCli, tempDir, variant } from '../helpers/cli.js';

const tmp = tempDir();
const HOSTILE = '<script>window.__pwned = 1</script> & "quotes"';
let browser: Browser;
let dir: string;
let runCode: number | null;
let runStderr: string;

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
    [['faults'], [{ name: '<img src=x onerror=alert(1)>', at: '2s', duration: '2s', target: 'redis', latency: '10ms' }]],
    [['thresholds'], { '*': { errors: '< 1%' }, redis: { 'latency.p99': '< 1ms', 'latency.p50{phase:fault}': '< 1s' }, memory: { turn_loss: '< 10%' } }],
  ]);
  const r = await runCli(['run', file, '--out', join(tmp.dir, 'reports')]);
  runCode = r.code;
  runStderr = r.stderr;
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
    await page.waitForTimeout(300);
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
  it('finds no regression between two runs with the same seed, and fails a run with injected Redis latency', async () => {
    const base = [...SHORT, [['backends'], ['redis', 'sticky']], [['seed'], 77]] as [(string | number)[], unknown][];
    const out = join(tmp.dir, 'cmp');
    const a = variant('quickstart.yaml', tmp.dir, base);
    const files: string[] = [];
    for (const f of [a, a]) {
      const r = await runCli(['run', f, '--json', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      files.push(join(out, readdirSync(out).sort().at(-1)!, 'results.json'));
    }
    const rules = 'latency.p50:+10%,latency.p99:+20%,turn_loss:+0.1pp,errors:+0.5pp';
    const same = await runCli(['compare', files[0]!, files[1]!, '--fail-on', rules]);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).not.toContain('FAIL');

    const slow = join(tmp.dir, 'slow');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(slow);
    const b = variant('quickstart.yaml', slow, [...base, [['faults'], [{ at: '0s', target: 'redis', latency: '20ms' }]]]);
    // Another fault plan is another scenario: no verdict against that baseline unless forced.
    const refused = await runCli(['run', b, '--out', out, '--baseline', files[0]!, '--fail-on', rules]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("not comparable with this run (the scenarios' faults differ)");
    const gated = await runCli(['run', b, '--out', out, '--baseline', files[0]!, '--fail-on', rules, '--force']);
    expect(gated.code, gated.stderr).toBe(4);
    expect(gated.stderr).toMatch(/regression: redis latency\.p50/);
    expect(gated.stderr).not.toMatch(/regression: sticky/);
    const slowFile = join(out, readdirSync(out).sort().at(-1)!, 'results.json');
    const cmp = await runCli(['compare', files[0]!, slowFile, '--fail-on', rules, '--force']);
    expect(cmp.code).toBe(4);
    expect(cmp.stdout).toMatch(/\| redis \| latency\.p50 \|.*\*\*FAIL\*\*/);
  }, 120_000);
});

describe('view', () => {
  it('serves the reports folder on loopback, refuses paths outside it, and stops on Ctrl-C', async () => {
    const { child, done } = startCli(['view', join(tmp.dir, 'reports')]);
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    for (let i = 0; i < 50 && !/http:\/\/127\.0\.0\.1:\d+\//.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)![0];
    const index = await (await fetch(url)).text();
    expect(index).toContain('report.html');
    expect(index).not.toContain('<script>window.__pwned');
    const name = readdirSync(join(tmp.dir, 'reports'))[0]!;
    const page = await fetch(`${url}${encodeURIComponent(name)}/report.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${url}..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});

describe('abortOnFail', () => {
  it('ends the run once the threshold fails, skips the remaining backends and exits 3', async () => {
    const d = join(tmp.dir, 'abort');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    const file = variant('quickstart.yaml', d, [
      [['load', 'warmup'], 0],
      [['load', 'phases'], [{ duration: '20s', arrivalRate: 10 }]],
      [['backends'], ['memory', 'redis']],
      [['thresholds'], { memory: { turn_loss: { threshold: '< 1%', abortOnFail: true, delayAbortEval: '1s' } } }],
    ]);
    const t0 = Date.now();
    const r = await runCli(['run', file, '--json', '--out', join(d, 'reports')]);
    expect(r.code, r.stderr).toBe(3);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const results = JSON.parse(r.stdout) as RunResults;
    expect(results.abortedBy).toMatch(/^memory: turn_loss < 1% failed with abortOnFail/);
    expect(results.backends.map((b) => b.label)).toEqual(['memory']);
    expect(results.thresholds).toEqual([expect.objectContaining({ backend: 'memory', metric: 'turn_loss', ok: false })]);
    expect(r.stderr).toContain('the run was ended early');
  }, 60_000);
});
