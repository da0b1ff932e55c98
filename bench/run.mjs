// sessbench's performance harness (`npm run bench`): side-by-side measurements in one run, printed as
// a table of ratios and written to bench/results/ (Markdown and JSON, with the machine, Node and Redis
// versions). Speed is never asserted in a test; this is what shows it.
//
//   node bench/run.mjs [--quick]
//
// Measured, each in rounds that alternate the contenders so a busy machine slows them alike:
// - the ceiling: autocannon (and wrk, when installed) against one reference instance with a sessbench
//   turn's request, and against a bare node:http server with the same reply;
// - sessbench's driver against the same instance (memory, then redis): CPU µs per turn and turns/s;
// - a Redis round trip direct and through the fault proxy: p50/p99 and the proxy's cost;
// - system turns/s at saturation per backend, with 1 and 4 instances.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { RedisServer } from '../dist/cluster/redis.js';
import { startInstances } from '../dist/cluster/instances.js';
import { ProxyHost } from '../dist/faults/proxy-host.js';
import { initHistograms } from '../dist/metrics/histogram.js';
import { run } from '../dist/run/run.js';
import { parseScenario } from '../dist/scenario/parse.js';
import { driverRun, median, quantile } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 2 : 4;
const CONNECTIONS = 32;
const root = fileURLToPath(new URL('..', import.meta.url));
const rows = [];
const note = (section, measure, value, unit, reference) => {
  rows.push({ section, measure, value, unit, ...(reference ? { reference } : {}) });
  console.error(`${section}: ${measure} ${typeof value === 'number' ? value.toFixed(1) : value} ${unit}`);
};

await initHistograms();
const redis = await RedisServer.start({});
const body = JSON.stringify({ turnId: 'bench-1', message: 'm'.repeat(100), modelMs: 0 });

/** One instance of a backend, and a session cookie whose history is full (the shape of a long conversation). */
async function instance(backend) {
  const options = backend === 'redis'
    ? { codec: 'json', compress: 'none', compressAbove: 1000, ttl: 1_800_000, slidingExpiry: true, onStoreError: 'error', writeMode: 'sync', commandTimeout: 1000, connectTimeout: 1000, maxOfflineQueue: 100 }
    : { capacity: 100_000 };
  const host = backend === 'redis' ? new ProxyHost(1) : undefined;
  const link = host ? await host.create('redis', { host: redis.host, port: redis.port }) : undefined;
  const [inst] = await startInstances([{
    index: 0, count: 1, backend, options, secret: 'b'.repeat(64), historyTurns: 50, replyBytes: 600, maxBodyBytes: 65536,
    ...(link ? { redis: { host: '127.0.0.1', port: link.port, keyPrefix: 'bench:' } } : {}),
  }]);
  const origin = `http://127.0.0.1:${inst.port}`;
  let cookie = '';
  for (let i = 0; i < 55; i++) {
    const res = await fetch(`${origin}/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ turnId: `warm-${i}`, message: 'm', modelMs: 0 }) });
    cookie ||= res.headers.get('set-cookie').split(';')[0];
    await res.arrayBuffer();
  }
  return { port: inst.port, cookie, stop: async () => { await inst.stop(); await host?.close(); } };
}

/** autocannon in this process: requests per second, and its CPU per request. */
async function cannon(port, cookie) {
  const cpu = process.cpuUsage();
  const r = await autocannon({ url: `http://127.0.0.1:${port}/chat`, method: 'POST', headers: { 'content-type': 'application/json', cookie }, body, connections: CONNECTIONS, duration: SECONDS });
  const used = process.cpuUsage(cpu);
  return { perSec: r.requests.total / SECONDS, cpuUs: (used.user + used.system) / r.requests.total, errors: r.errors + r.non2xx };
}

/** undici's dispatcher, the general client, as a reference for the driver's own. */
async function undiciDispatch(port, cookie) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS });
  const headers = ['content-type', 'application/json', 'cookie', cookie];
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) {
      await new Promise((resolve, reject) => {
        let data = null;
        pool.dispatch({ path: '/chat', method: 'POST', headers, body }, {
          onConnect() {}, onHeaders() { return true; }, onData(c) { data = data ? Buffer.concat([data, c]) : c; return true; },
          onComplete() { JSON.parse(data.toString()); n++; resolve(); }, onError: reject,
        });
      });
    }
  }));
  const used = process.cpuUsage(cpu);
  await pool.close();
  return { perSec: n / SECONDS, cpuUs: (used.user + used.system) / n };
}

/** wrk, when installed: requests per second (its own process). */
async function wrk(port, cookie) {
  const script = join(os.tmpdir(), `sessbench-wrk-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["cookie"] = "${cookie}"\n`);
  const out = await new Promise((resolve) => {
    const p = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-s', script, `http://127.0.0.1:${port}/chat`]);
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('error', () => resolve(''));
    p.on('close', () => resolve(text));
  });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  return m ? Number(m[1]) : null;
}

async function ceiling() {
  const bare = fork(join(root, 'bench/bare-server.mjs'));
  const { port: barePort } = await new Promise((r) => bare.once('message', r));
  for (const backend of ['memory', 'redis']) {
    const inst = await instance(backend);
    const ac = [], drv = [], und = [], bareAc = [];
    for (let i = 0; i < ROUNDS; i++) {
      ac.push(await cannon(inst.port, inst.cookie));
      drv.push(await driverRun(inst.port, SECONDS, CONNECTIONS));
      if (backend === 'memory') {
        und.push(await undiciDispatch(inst.port, inst.cookie));
        bareAc.push(await cannon(barePort, inst.cookie));
      }
    }
    const acPerSec = median(ac.map((r) => r.perSec));
    const acCpu = median(ac.map((r) => r.cpuUs));
    const dPerSec = median(drv.map((r) => r.perSec));
    const dCpu = median(drv.map((r) => r.cpuUs));
    note(`${backend} instance`, 'autocannon', acPerSec, 'req/s');
    note(`${backend} instance`, 'autocannon CPU', acCpu, 'µs/req');
    note(`${backend} instance`, 'sessbench driver', dPerSec, 'turns/s', { ratio: dPerSec / acPerSec, of: 'autocannon req/s', goal: '>= 0.85' });
    note(`${backend} instance`, 'sessbench driver CPU', dCpu, 'µs/turn', { ratio: dCpu / acCpu, of: 'autocannon CPU', goal: '<= 1' });
    note(`${backend} instance`, 'driver saturated', drv.some((r) => r.saturated) ? 'yes' : 'no', '');
    if (backend === 'memory') {
      const uCpu = median(und.map((r) => r.cpuUs));
      note('memory instance', 'undici.dispatch CPU (reference)', uCpu, 'µs/req', { ratio: uCpu / acCpu, of: 'autocannon CPU' });
      const w = await wrk(inst.port, inst.cookie);
      if (w !== null) note('memory instance', 'wrk', w, 'req/s');
      const bareRate = median(bareAc.map((r) => r.perSec));
      note('bare node:http', 'autocannon', bareRate, 'req/s');
      note('memory instance', 'instance vs bare node:http', acPerSec / bareRate, '×', { goal: '>= 0.70' });
    }
    await inst.stop();
  }
  bare.kill();
}

/** A Redis round trip, direct and through the fault proxy (its own thread). */
async function proxy() {
  const host = new ProxyHost(1);
  const link = await host.create('redis', { host: redis.host, port: redis.port });
  const ops = QUICK ? 5000 : 20000;
  const measure = async (port) => {
    const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    await c.connect();
    await c.set('bench:k', 'v'.repeat(1000));
    for (let i = 0; i < 1000; i++) await c.get('bench:k');
    const t = [];
    for (let i = 0; i < ops; i++) {
      const s = performance.now();
      await c.get('bench:k');
      t.push((performance.now() - s) * 1000);
    }
    c.disconnect();
    t.sort((a, b) => a - b);
    return { p50: quantile(t, 0.5), p99: quantile(t, 0.99) };
  };
  const direct = [], proxied = [];
  for (let i = 0; i < ROUNDS; i++) {
    direct.push(await measure(redis.port));
    const elu = host.utilization();
    const start = performance.now();
    proxied.push(await measure(link.port));
    const busy = host.utilization(elu).utilization * (performance.now() - start) * 1000;
    proxied.at(-1).cpuUs = busy / ops;
  }
  const d50 = median(direct.map((r) => r.p50));
  const p50 = median(proxied.map((r) => r.p50));
  note('redis round trip', 'direct p50', d50, 'µs');
  note('redis round trip', 'direct p99', median(direct.map((r) => r.p99)), 'µs');
  note('redis round trip', 'through the proxy p50', p50, 'µs', { added: p50 - d50, goal: 'added <= 30 µs' });
  note('redis round trip', 'through the proxy p99', median(proxied.map((r) => r.p99)), 'µs');
  note('redis round trip', 'proxy thread busy per op', median(proxied.map((r) => r.cpuUs)), 'µs');
  await host.close();
}

/** Closed-loop saturation of a whole run per backend: turns/s with 1 and 4 instances. */
async function saturation() {
  for (const instances of [1, 4]) {
    const text = `name: saturation
backends: [memory, sticky, replication, redis, two-tier]
cluster: { instances: ${instances}, service: { modelTime: 0ms } }
load:
  phases: [{ duration: 1s, arrivalRate: 64 }]
  conversation: { turns: ${QUICK ? 150 : 400}, thinkTime: 0ms }
  drain: 60s
`;
    const scenario = parseScenario(text, 'saturation.yaml');
    const results = await run({ scenario, scenarioFile: 'saturation.yaml', seed: 1, redis: { url: `redis://127.0.0.1:${redis.port}` }, signal: new AbortController().signal, workers: 1 });
    for (const b of results.backends) {
      note(`saturation, ${instances} instance${instances > 1 ? 's' : ''}`, b.label, b.throughput.achievedTurnsPerSec ?? 0, 'turns/s', { saturatedBy: b.driver.saturatedBy });
    }
  }
}

const started = new Date();
try {
  await ceiling();
  await proxy();
  await saturation();
} finally {
  await redis.stop();
}

const machine = { cpu: os.cpus()[0]?.model.trim(), cores: os.cpus().length, memory: os.totalmem(), platform: `${os.platform()} ${os.release()}`, node: process.version, redis: redis.version };
const md = [
  `# sessbench bench, ${started.toISOString()}`,
  '',
  `${machine.cpu} × ${machine.cores}, ${machine.platform}, Node ${machine.node}, Redis ${machine.redis}${QUICK ? ' (quick)' : ''}. Medians of ${ROUNDS} alternating rounds of ${SECONDS} s, ${CONNECTIONS} connections or conversations.`,
  '',
  '| section | measure | value | unit | ratio | goal |',
  '|---|---|---:|---|---:|---|',
  ...rows.map((r) => `| ${r.section} | ${r.measure} | ${typeof r.value === 'number' ? r.value.toFixed(r.value < 10 ? 2 : 0) : r.value} | ${r.unit} | ${r.reference?.ratio !== undefined ? `${r.reference.ratio.toFixed(2)} × ${r.reference.of}` : r.reference?.added !== undefined ? `+${r.reference.added.toFixed(0)} µs` : ''} | ${r.reference?.goal ?? ''} |`),
  '',
].join('\n');
const dir = join(root, 'bench/results');
mkdirSync(dir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify({ started, machine, quick: QUICK, rows }, null, 2)}\n`);
writeFileSync(join(dir, `${stamp}.md`), md);
writeFileSync(join(dir, 'latest.md'), md);
process.stdout.write(md);
process.exit(0);
