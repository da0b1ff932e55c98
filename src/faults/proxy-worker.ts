/**
 * The fault proxies' own thread: every TcpProxy of a cluster runs here, so the driver's load never
 * delays a byte relayed to Redis or between instances, and the relaying never shows up as the
 * driver's CPU. Commands arrive as messages from ProxyHost (proxy-host.ts), each answered with its
 * id: { ok: true, value } or { ok: false, error }.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../errors.js';
import { TcpProxy } from './proxy.js';
import type { ProxyCommand } from './proxy-host.js';

const proxies = new Map<number, TcpProxy>();

async function run(c: ProxyCommand): Promise<unknown> {
  switch (c.op) {
    case 'create': {
      const p = new TcpProxy(c.name, c.upstream, c.seed);
      const address = await p.listen();
      proxies.set(c.proxy, p);
      return address.port;
    }
    case 'add':
      return proxies.get(c.proxy)!.addToxic(c.spec);
    case 'remove':
      proxies.get(c.proxy)?.removeToxic(c.toxic);
      return undefined;
    case 'close':
      await proxies.get(c.proxy)?.close();
      proxies.delete(c.proxy);
      return undefined;
  }
}

parentPort!.on('message', (c: ProxyCommand) => {
  run(c).then(
    (value) => parentPort!.postMessage({ id: c.id, ok: true, value }),
    (err: unknown) => parentPort!.postMessage({ id: c.id, ok: false, error: messageOf(err) }),
  );
});
