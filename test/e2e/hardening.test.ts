/**
 * The CLI against an attacker and a new user's mistakes: kill -9 leaves nothing behind, bad output
 * folders and YAML bombs are refused before any load, a threshold over no data fails, the terminal
 * fits 80 columns and honours NO_COLOR, `view` survives malformed and foreign requests, and a
 * hostile or malformed results file is escaped or refused by every command that reads one.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../src/results/schema.js';
import { BIN, ROOT, runCli, startCli, tempDir } from '../helpers/cli.js';
import { fixtureResults } from '../helpers/fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function scenario(name: string, text: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, text);
  return file;
}

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** True while a process runs: gone, or a zombie awaiting its reaper, is not running. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const redisDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('sessbench-redis-'));

describe('kill -9 of sessbench', () => {
  it('leaves no redis-server, instance, watchdog or temporary folder behind within 2 s', async () => {
    const before = new Set(redisDirs());
    const file = scenario(
      'long.yaml',
      'name: long\nbackends: [redis]\ncluster: { instances: 2 }\n' +
        'load: { phases: [{ duration: 60s, arrivalRate: 5 }] }\n',
    );
    const { child } = startCli(['run', file, '--out', join(tmp.dir, 'out-kill')]);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    for (let i = 0; i < 100 && !/turns [1-9]/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
    const dir = redisDirs().find((d) => !before.has(d));
    expect(dir, 'redis-server runs with its temporary folder').toBeDefined();
    // redis-server, two instances and the watchdog.
    const kids = childrenOf(child.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(4);
    child.kill('SIGKILL');
    const t0 = Date.now();
    while (Date.now() - t0 < 2000 && (kids.some(running) || existsSync(join(tmpdir(), dir!)))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(kids.filter(running)).toEqual([]);
    expect(existsSync(join(tmpdir(), dir!))).toBe(false);
  }, 30_000);
});

describe('refused before any load starts', () => {
  const ok = scenario(
    'ok.yaml',
    'name: ok\nbackends: [memory]\nload: { phases: [{ duration: 1s, arrivalRate: 1 }] }\n',
  );

  it('an --out that is a file: exit 2 at once, the file untouched', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'keep me');
    const r = await runCli(['run', ok, '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a folder');
    expect(r.stderr).not.toContain('starting instances');
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('an --out that cannot be made: exit 5 at once, no spinning', async () => {
    const r = await runCli(['run', ok, '--out', '/proc/sessbench-x']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cannot create the folder /proc/sessbench-x');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a YAML bomb: exit 2 with its position, no stack trace', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [n, p] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ]) {
      lines.push(`${n}: &${n} [*${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}]`);
    }
    const r = await runCli(['validate', scenario('bomb.yaml', `${lines.join('\n')}\nname: [*f]\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml:2:\d+ aliases expand too far/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a run in an 80-column terminal, with a threshold on a phase without turns', () => {
  let out = '';
  let code: number | null = null;
  beforeAll(async () => {
    // One turn per conversation and no arrivals after 2 s: the fault at 2.5 s sees no turn at all.
    const file = scenario(
      'empty-phase.yaml',
      `name: empty-phase
backends: [memory]
cluster: { instances: 2 }
load:
  phases: [{ duration: 2s, arrivalRate: 5 }, { duration: 2s, arrivalRate: 0 }]
  conversation: { turns: 1 }
  drain: 1s
faults:
  - { at: 2500ms, duration: 1s, target: "instance[0]", pause: true, name: quiet }
thresholds:
  memory: { "latency.p99{phase:quiet}": "< 50ms", "errors": "< 50%" }
`,
    );
    const out80 = join(tmp.dir, 'out-80');
    const cmd = `stty cols 80 rows 40; NO_COLOR=1 ${process.execPath} ${BIN} run ${file} --out ${out80}`;
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    code = await new Promise((resolve) => child.on('close', resolve));
  }, 60_000);

  it('fails the threshold with "no data" and exits 3', () => {
    expect(code, out).toBe(3);
    expect(out).toMatch(/✗ memory latency\.p99\{phase:quiet\} < 50ms: no data/);
    expect(out).toMatch(/✓ memory errors < 50%/);
  });

  it('keeps every line, the live progress line included, within 80 columns', () => {
    // A live line is rewritten in place: each carriage-return segment is what the screen shows.
    // (The closing lines naming the results folder and failed thresholds are log lines, not the summary.)
    const segments = out
      .split(/\r?\n|\r/)
      .map((s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''))
      .filter((s) => !/^(results|threshold failed): /.test(s));
    expect(segments.length).toBeGreaterThan(20);
    expect(segments.filter((s) => [...s].length > 80)).toEqual([]);
    expect(out).toMatch(/memory \d+s\/4s/);
  });

  it('honours NO_COLOR on a terminal', () => {
    expect(out).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});

describe('view', () => {
  it('answers malformed URLs with 400, foreign hosts with 421, and keeps serving', async () => {
    const reports = join(tmp.dir, 'served');
    mkdirSync(join(reports, 'run-1'), { recursive: true });
    writeFileSync(join(reports, 'run-1', 'report.html'), '<p>ok</p>');
    writeFileSync(join(tmp.dir, 'secret.txt'), 'secret');
    symlinkSync(join(tmp.dir, 'secret.txt'), join(reports, 'run-1', 'link.txt'));
    const { child, done } = startCli(['view', reports]);
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    for (let i = 0; i < 50 && !/127\.0\.0\.1:\d+/.test(stdout); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(stdout)![1]);
    const raw = (path: string, host = `127.0.0.1:${port}`, method = 'GET') =>
      new Promise<number>((resolve, reject) => {
        const request = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
        const s = net.connect(port, '127.0.0.1', () => s.write(request));
        let text = '';
        s.on('data', (d) => (text += d.toString()));
        s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
        s.on('error', reject);
      });
    expect(await raw('/%')).toBe(400);
    expect(await raw('/%E0%A4%A')).toBe(400);
    expect(await raw('/run-1/report.html')).toBe(200);
    expect(await raw('/run-1/report.html', 'evil.example:80')).toBe(421);
    expect(await raw('/run-1/link.txt')).toBe(404);
    expect(await raw('/run-1/report.html', `localhost:${port}`, 'HEAD')).toBe(200);
    expect(await raw('/run-1/report.html', `127.0.0.1:${port}`, 'POST')).toBe(405);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});

describe('results files', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => browser?.close());

  function hostileResults(text: string): string {
    const r: RunResults = fixtureResults({ name: text });
    r.scenario.description = text;
    r.startedAt = text;
    r.environment.cpuModel = text;
    r.environment.platform = text;
    r.warnings = [text];
    r.backends[1]!.label = text;
    r.faults[0]!.name = text;
    r.thresholds = [{ backend: text, metric: 'errors', phase: null, threshold: text, observed: 0.5, ok: false }];
    const file = join(tmp.dir, `results-${text.length}.json`);
    writeFileSync(file, JSON.stringify(r));
    return file;
  }

  it('a hostile results file yields no element or attribute in HTML and JUnit (Chromium parses both)', async () => {
    const hostile = '<meta http-equiv="refresh" content="0;url=http://evil"><img src=x onerror=alert(1)>';
    const count = async (results: string) => {
      const html = await runCli(['report', results, '--format', 'html']);
      const junit = await runCli(['report', results, '--format', 'junit']);
      const page = await browser.newPage();
      await page.setContent(html.stdout, { waitUntil: 'load' });
      const elements = await page.evaluate(() => document.querySelectorAll('body *, head *').length);
      const meta = await page.evaluate(() => document.querySelectorAll('meta[http-equiv="refresh"], img').length);
      const xml = await page.evaluate((x) => {
        const doc = new DOMParser().parseFromString(x, 'application/xml');
        const tags = [...new Set([...doc.querySelectorAll('*')].map((e) => e.tagName))];
        return { error: doc.querySelector('parsererror') !== null, tags };
      }, junit.stdout);
      await page.close();
      return { elements, meta, xml };
    };
    const plain = await count(hostileResults('plain'));
    const evil = await count(hostileResults(hostile));
    expect(evil.meta).toBe(0);
    expect(evil.elements).toBe(plain.elements);
    expect(evil.xml).toEqual({ error: false, tags: ['testsuites', 'testsuite', 'testcase', 'failure'] });
  }, 60_000);

  it('a results file of the wrong shape is refused with the JSON path, exit 2', async () => {
    const r = fixtureResults() as unknown as { backends: unknown[] };
    r.backends = [null];
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify(r));
    for (const args of [
      ['report', file],
      ['compare', file, file],
    ]) {
      const out = await runCli(args);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('backends[0]: expected object, got null');
      expect(out.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('report --out never overwrites an existing file without --force', async () => {
    const input = hostileResults('plain');
    const before = readFileSync(input, 'utf8');
    const r = await runCli(['report', input, '--format', 'json', '--out', input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists');
    expect(readFileSync(input, 'utf8')).toBe(before);
    expect((await runCli(['report', input, '--format', 'md', '--out', input, '--force'])).code).toBe(0);
    expect(readFileSync(input, 'utf8')).toContain('# sessbench');
  });

  it('compare gives no --fail-on verdict on runs that are not comparable, unless forced', async () => {
    const base = fixtureResults();
    const next = fixtureResults({ redisP99: 250 });
    next.seed = 7;
    const [a, b] = [join(tmp.dir, 'base.json'), join(tmp.dir, 'next.json')];
    writeFileSync(a, JSON.stringify(base));
    writeFileSync(b, JSON.stringify(next));
    const refused = await runCli(['compare', a, b, '--fail-on', 'latency.p99:+10%']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not comparable (the seeds differ (42 and 7))');
    expect(refused.stdout).toContain('**Not comparable**');
    const forced = await runCli(['compare', a, b, '--fail-on', 'latency.p99:+10%', '--force']);
    expect(forced.code).toBe(4);
  });
});
