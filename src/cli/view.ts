/**
 * `sessbench view [dir]`: serve the reports folder on a loopback port, with an index of the runs,
 * until Ctrl-C. Read-only, GET/HEAD only, nothing outside the folder.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { accessSync, constants } from 'node:fs';
import { delimiter } from 'node:path';
import { EnvironmentError, ExitCode, UsageError } from '../errors.js';
import { htmlEscape } from '../report/escape.js';

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
    const files = ['report.html', 'report.md', 'results.json', 'junit.xml'].filter((f) =>
      existsSync(join(root, r.name, f)),
    );
    const links = files.map((f) => `<a href="${encodeURIComponent(r.name)}/${f}">${f}</a>`).join(' · ');
    return `<li><b>${htmlEscape(r.name)}</b> ${links}</li>`;
  });
  const style = 'body{font:14px system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 12px}li{margin:6px 0}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>sessbench reports</title><style>${style}</style></head>
<body><h1>sessbench reports</h1><p>${htmlEscape(root)}</p>
<ul>${items.join('\n') || '<li>No runs yet.</li>'}</ul></body></html>`;
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

/** Host names a loopback server answers to: anything else may be a DNS-rebinding page. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

function send(res: http.ServerResponse, status: number, text: string): undefined {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(text);
  return undefined;
}

/**
 * One request: GET or HEAD only, a Host header naming this loopback server, a well-formed path,
 * and a file whose real path (symlinks followed) lies inside the folder.
 */
function serve(root: string, req: http.IncomingMessage, res: http.ServerResponse, port: number): undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
  if (!LOOPBACK_HOSTS.some((h) => req.headers.host === `${h}:${port}`)) return send(res, 421, 'unknown host');
  let path: string;
  try {
    path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  } catch {
    return send(res, 400, 'malformed URL');
  }
  if (path.includes('\0')) return send(res, 400, 'malformed URL');
  if (path === '/') {
    res.writeHead(200, { 'content-type': TYPES['.html']! }).end(req.method === 'HEAD' ? undefined : index(root));
    return undefined;
  }
  let file: string;
  try {
    file = realpathSync(resolve(root, `.${path}`));
  } catch {
    return send(res, 404, 'not found');
  }
  if (!file.startsWith(root + sep) || !statSync(file).isFile()) return send(res, 404, 'not found');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return undefined;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
  return undefined;
}

export async function viewCommand(
  dir: string,
  opts: { port?: number; open?: boolean },
  signal: AbortSignal,
): Promise<number> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UsageError(
      `${dir} is not a folder`,
      'run a scenario first, or name the folder that holds the run folders',
    );
  const realRoot = realpathSync(root);
  const server = http.createServer((req, res) => {
    // The handler never throws: one bad request can't end the server.
    try {
      serve(realRoot, req, res, (server.address() as AddressInfo).port);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err) =>
      fail(new EnvironmentError(`cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`, { cause: err })),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  process.stdout.write(`serving ${root} at ${url} (Ctrl-C to stop)\n`);
  if (opts.open) {
    const opener = ['xdg-open', 'open'].map(onPath).find(Boolean);
    if (opener)
      spawn(opener, [url], { stdio: 'ignore', detached: true })
        .on('error', () => {})
        .unref();
    else process.stderr.write('no browser opener (xdg-open, open) on this machine: open the URL yourself\n');
  }
  await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
  return ExitCode.ok;
}
