/**
 * The fault proxies' own thread, driven through ProxyHost as a run drives it: toxics added and
 * removed by id through messages to the worker, against a real echo server on loopback. A toxic that
 * is removed must stop acting on the link; one that is not removed must go on acting.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type FaultLink, ProxyHost } from '../../../src/faults/proxy-host.js';
import type { ToxicSpec } from '../../../src/faults/toxics/types.js';
import { type Echo, connect, startEcho } from '../../helpers/echo.js';

let echo: Echo;
let host: ProxyHost;
let link: FaultLink;

beforeEach(async () => {
  echo = await startEcho();
  host = new ProxyHost(1);
  link = await host.create('echo', { host: '127.0.0.1', port: echo.port });
});

afterEach(async () => {
  await host.close();
  await echo.close();
});

const stall: ToxicSpec = { type: 'timeout', params: { timeout: 0 }, direction: 'downstream', toxicity: 1 };
const down: ToxicSpec = { type: 'down', params: {}, direction: 'downstream', toxicity: 1 };

/** Whether a connection to the proxy is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

it('removing a toxic by its id ends it: held bytes flow on, in order', async () => {
  const client = await connect(link.port);
  client.socket.write('a');
  await client.waitFor(1);
  // Several commands first, so the toxic's id and the messages' ids differ.
  const other = await link.addToxic({ ...stall, direction: 'upstream' });
  await link.removeToxic(other);
  const id = await link.addToxic(stall);
  client.socket.write('b');
  await sleep(200);
  expect(client.received().toString()).toBe('a');
  await link.removeToxic(id);
  expect((await client.waitFor(2)).toString()).toBe('ab');
  client.socket.destroy();
});

it('removing one of two toxics leaves the other acting', async () => {
  const client = await connect(link.port);
  const first = await link.addToxic(stall);
  const second = await link.addToxic({ ...stall, direction: 'upstream' });
  await link.removeToxic(second);
  client.socket.write('x');
  await sleep(200);
  expect(client.received().length).toBe(0);
  await link.removeToxic(first);
  expect((await client.waitFor(1)).toString()).toBe('x');
  client.socket.destroy();
});

it('a down link refuses connections until its toxic is removed; a closed host refuses for good', async () => {
  expect(await accepts(link.port)).toBe(true);
  const id = await link.addToxic(down);
  expect(await accepts(link.port)).toBe(false);
  await link.removeToxic(id);
  let up = false;
  for (let i = 0; i < 50 && !up; i++) {
    up = await accepts(link.port);
    if (!up) await sleep(20);
  }
  expect(up).toBe(true);
  await host.close();
  expect(await accepts(link.port)).toBe(false);
  await expect(link.addToxic(down)).rejects.toThrow(/closed/);
});
