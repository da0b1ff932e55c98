/**
 * Every toxic through the real proxy against a real echo server on loopback: a shared contract
 * (no byte dropped, reordered or invented while the toxic is active and after it is removed), then
 * each toxic's own behaviour, timing with a tolerance.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../../src/faults/proxy.js';
import { paramsSchema } from '../../../src/faults/toxics/params.js';
import { type ToxicName, toxics } from '../../../src/faults/toxics/registry.js';
import type { ToxicSpec } from '../../../src/faults/toxics/types.js';
import { type Echo, connect, startEcho } from '../../helpers/echo.js';

let echo: Echo;
let proxy: TcpProxy;
let port: number;

beforeEach(async () => {
  echo = await startEcho();
  proxy = new TcpProxy('echo', { host: '127.0.0.1', port: echo.port }, 1);
  port = (await proxy.listen()).port;
});

afterEach(async () => {
  await proxy.close();
  await echo.close();
});

const spec = (type: ToxicName, params: Record<string, unknown>, more: Partial<ToxicSpec> = {}): ToxicSpec => ({
  type,
  params: paramsSchema(toxics[type].params).parse(params) as Record<string, unknown>,
  direction: 'downstream',
  toxicity: 1,
  ...more,
});

/** Parameters that let bytes through (possibly late) for the contract test. */
const PASSING: Record<ToxicName, Record<string, unknown> | undefined> = {
  latency: { latency: 20, jitter: 5 },
  bandwidth: { rate: 500 },
  timeout: { timeout: 0 },
  reset_peer: undefined, // ends the connection: its own tests below
  slicer: { average_size: 7, size_variation: 3, delay: 50 },
  limit_data: { bytes: 1_000_000 },
  down: undefined, // ends the connection: its own tests below
  redis_command: undefined, // speaks RESP: tested against redis-server
};

describe.each(Object.keys(toxics) as ToxicName[])('%s toxic contract', (name) => {
  it('has a description and parameters with Toxiproxy names', () => {
    expect(toxics[name].description.length).toBeGreaterThan(10);
    expect(typeof toxics[name].create).toBe('function');
  });

});

const passing = (Object.keys(PASSING) as ToxicName[]).filter((n) => PASSING[n] !== undefined);

describe.each(passing)('%s toxic while it lets data through', (name) => {
  it('keeps every byte, in order, in both directions, and lets go when removed', async () => {
    const c = await connect(port);
    const id = proxy.addToxic(spec(name, PASSING[name]!, { direction: 'both' }));
    const payload = randomBytes(20_000);
    for (let i = 0; i < payload.length; i += 1000) c.socket.write(payload.subarray(i, i + 1000));
    if (name === 'timeout') {
      await sleep(100);
      expect(c.received().length).toBe(0);
    }
    proxy.removeToxic(id);
    expect((await c.waitFor(payload.length)).equals(payload)).toBe(true);
    // After removal, data flows untouched.
    const more = randomBytes(5000);
    c.socket.write(more);
    expect((await c.waitFor(payload.length + more.length)).subarray(payload.length).equals(more)).toBe(true);
    c.socket.destroy();
  });
});

describe('toxics', () => {
  it('latency delays each chunk by about latency from when it arrived, and applies to open connections', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('latency', { latency: 100 }));
    const t0 = performance.now();
    c.socket.write('ping');
    await c.waitFor(4);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(performance.now() - t0).toBeLessThan(200);
    c.socket.destroy();
  });

  it('latency is not added up for chunks that arrive together', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('latency', { latency: 100 }, { direction: 'upstream' }));
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      c.socket.write(`m${i};`);
      await sleep(5);
    }
    await c.waitFor(30);
    expect(performance.now() - t0).toBeLessThan(250);
    c.socket.destroy();
  });

  it('timeout holds data while active and closes the connection after its timeout', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('timeout', { timeout: 150 }));
    const t0 = performance.now();
    c.socket.write('held');
    const closed = await c.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(closed.code).toBeUndefined();
    expect(c.received().length).toBe(0);
  });

  it('reset_peer resets the connection (ECONNRESET) after its timeout', async () => {
    const c = await connect(port);
    const t0 = performance.now();
    proxy.addToxic(spec('reset_peer', { timeout: 100 }));
    const closed = await c.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(closed.code).toBe('ECONNRESET');
  });

  it('down closes open connections and refuses new ones until removed', async () => {
    const c = await connect(port);
    const id = proxy.addToxic(spec('down', {}));
    await c.closed;
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    proxy.removeToxic(id);
    await sleep(20);
    const again = await connect(port);
    again.socket.write('back');
    expect((await again.waitFor(4)).toString()).toBe('back');
    again.socket.destroy();
  });

  it('limit_data lets exactly `bytes` through, then closes', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('limit_data', { bytes: 10 }));
    c.socket.write('0123456789abcdef');
    await c.closed;
    expect(c.received().toString()).toBe('0123456789');
  });

  it('slicer cuts data into small pieces', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('slicer', { average_size: 10, size_variation: 2, delay: 2000 }));
    c.socket.write(randomBytes(200));
    await c.waitFor(200);
    expect(c.arrivals.length).toBeGreaterThan(8);
    c.socket.destroy();
  });

  it('bandwidth limits throughput to about rate KB/s', async () => {
    const c = await connect(port);
    proxy.addToxic(spec('bandwidth', { rate: 100 }));
    const t0 = performance.now();
    c.socket.write(randomBytes(20_000));
    await c.waitFor(20_000);
    // 20 KB at 100 KB/s: about 200 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(180);
    expect(performance.now() - t0).toBeLessThan(400);
    c.socket.destroy();
  });

  it('toxicity draws once per connection', async () => {
    proxy.addToxic(spec('timeout', { timeout: 0 }, { toxicity: 0.5 }));
    const clients = await Promise.all(Array.from({ length: 40 }, () => connect(port)));
    for (const c of clients) c.socket.write('x');
    await sleep(100);
    const through = clients.filter((c) => c.received().length === 1).length;
    expect(through).toBeGreaterThan(8);
    expect(through).toBeLessThan(32);
    for (const c of clients) c.socket.destroy();
  });
});
