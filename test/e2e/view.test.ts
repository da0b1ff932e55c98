/**
 * `sessbench view`: serves a reports folder read-only on loopback. Run against a folder made here
 * (no benchmark run needed): the index shows hostile folder names as text, files are served with
 * their type, HEAD has no body, other methods get 405, nothing outside the folder is reachable,
 * a malformed URL doesn't end the server, `--port` is honoured and a port in use is an
 * environment error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/ports.js';
import { type CliResult, runCli, startCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
const root = join(tmp.dir, 'reports');
// A folder name a user could not get from `run` (run folders are slugs), but could create by hand.
const HOSTILE = '<img src=x onerror=alert(1)>&"';
const SECRET = 'TOP SECRET: outside the reports folder';
let port: number;
let base: string;
let stop: () => Promise<CliResult>;

beforeAll(async () => {
  mkdirSync(join(root, HOSTILE), { recursive: true });
  writeFileSync(join(root, HOSTILE, 'report.html'), '<!doctype html><p>hostile run</p>');
  mkdirSync(join(root, 'quickstart-2026-11-21T101500Z'));
  writeFileSync(join(root, 'quickstart-2026-11-21T101500Z', 'results.json'), '{"tool":{"name":"sessbench"}}');
  writeFileSync(join(tmp.dir, 'secret.txt'), SECRET);
  port = await freePort();
  const { child, done } = startCli(['view', root, '--port', String(port)]);
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  const printed = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
      if (m) resolve(m[0]);
    };
    child.stdout!.on('data', onData);
    void done.then((r) => reject(new Error(`view exited early (${r.code}): ${r.stderr}`)));
  });
  base = printed;
  stop = () => {
    child.kill('SIGINT');
    return done;
  };
});

afterAll(() => tmp.cleanup());

/** A raw HTTP request, so the request target is sent exactly as written. */
function raw(target: string, method = 'GET'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (c: Buffer) => (data += c.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), text: data }));
  });
}

describe('sessbench view', () => {
  it('listens on the port given with --port', () => {
    expect(base).toBe(`http://127.0.0.1:${port}/`);
  });

  it('lists the run folders, their names escaped as text', async () => {
    const index = await (await fetch(base)).text();
    expect(index).toContain('quickstart-2026-11-21T101500Z');
    expect(index).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;&#38;&#34;');
    expect(index).not.toContain('<img');
    expect(index).toContain(`href="${encodeURIComponent(HOSTILE)}/report.html"`);
  });

  it('serves a report with its content type, and HEAD without a body', async () => {
    const url = `${base}${encodeURIComponent(HOSTILE)}/report.html`;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('hostile run');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const json = await fetch(`${base}quickstart-2026-11-21T101500Z/results.json`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await fetch(base, { method })).status, method).toBe(405);
  });

  it('never serves a file outside the folder, however the path is written', async () => {
    // secret.txt exists one level above the served folder.
    for (const target of ['/../secret.txt', '/..%2Fsecret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt', '/quickstart-2026-11-21T101500Z/..%2F..%2Fsecret.txt']) {
      const r = await raw(target);
      expect(r.status, target).toBe(404);
      expect(r.text, target).not.toContain('TOP SECRET');
    }
    expect((await raw('/nope/report.html')).status).toBe(404);
    // A folder is not a file.
    expect((await raw(`/quickstart-2026-11-21T101500Z`)).status).toBe(404);
  });

  it('answers a malformed URL with 400 and keeps serving', async () => {
    expect((await raw('/%E0%A4%A')).status).toBe(400);
    expect((await fetch(base)).status).toBe(200);
  });

  it('stops on Ctrl-C with exit code 0', async () => {
    const r = await stop();
    expect(r.code, r.stderr).toBe(0);
  });

  it('says so when the port is taken (exit 5) or the folder does not exist (exit 2)', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const taken = (busy.address() as net.AddressInfo).port;
      const r = await runCli(['view', root, '--port', String(taken)]);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${taken}`);
    } finally {
      busy.close();
    }
    const missing = await runCli(['view', join(tmp.dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not a folder');
    expect((await runCli(['view', root, '--port', '70000'])).code).toBe(2);
  });
});
