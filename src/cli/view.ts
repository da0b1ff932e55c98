/**
 * `sessbench view [dir]`: serve the reports folder on a loopback port, with an index of the runs,
 * until Ctrl-C. Read-only, GET/HEAD only, nothing outside the folder.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { delimiter } from 'node:path';
import { EnvironmentError, ExitCode, UsageError } from '../errors.js';
import { htmlEscape } from '../report/html.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};

function index(root: string): string {
  const runs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, mtime: statSync(join(root, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const items = runs.map((r) => {
    const files = ['report.html', 'report.md', 'results.json', 'junit.xml'].filter((f) => existsSync(join(root, r.name, f)));
    const links = files.map((f) => `<a href="${encodeURIComponent(r.name)}/${f}">${f}</a>`).join(' · ');
    return `<li><b>${htmlEscape(r.name)}</b> ${links}</li>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>sessbench reports</title><style>body{font:14px system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 12px}li{margin:6px 0}</style></head>
<body><h1>sessbench reports</h1><p>${htmlEscape(root)}</p><ul>${items.join('\n') || '<li>No runs yet.</li>'}</ul></body></html>`;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function viewCommand(dir: string, opts: { port: number; open?: boolean }, signal: AbortSignal): Promise<number> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${dir} is not a folder`, 'run a scenario first, or name the folder that holds the run folders');
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405).end();
    let url: string;
    try {
      url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    } catch {
      // A malformed %-escape: a bad request, not the end of the server.
      return res.writeHead(400).end('bad request');
    }
    if (url === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html']! }).end(req.method === 'HEAD' ? undefined : index(root));
      return;
    }
    const file = resolve(root, `.${url}`);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err) => fail(new EnvironmentError(`cannot listen on 127.0.0.1:${opts.port}: ${err.message}`)));
    server.listen(opts.port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  process.stdout.write(`serving ${root} at ${url} (Ctrl-C to stop)\n`);
  if (opts.open) {
    const opener = ['xdg-open', 'open'].map(onPath).find(Boolean);
    if (opener) spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
    else process.stderr.write('no browser opener (xdg-open, open) on this machine: open the URL yourself\n');
  }
  await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
  return ExitCode.ok;
}
