import { createHmac } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSession } from '../../../src/backends/codec.js';
import { ReplicationStore } from '../../../src/backends/replication.js';
import { defaultOptions, SECRET } from '../../helpers/stores.js';
import { replicationBackend } from '../../../src/backends/replication.js';

const turn = (id: string) => ({ id, user: 'u', reply: 'r' });

async function linked(mode: 'async' | 'sync', secrets = [SECRET, SECRET]) {
  const stores = secrets.map(
    (secret, i) => new ReplicationStore({ instanceIndex: i, instanceCount: 2, secret }, defaultOptions(replicationBackend, { mode, ackTimeout: '300ms' }) as never),
  );
  const ports = await Promise.all(stores.map((s) => s.listenPeers()));
  const peers = ports.map((port, index) => ({ index, host: '127.0.0.1', port }));
  for (const s of stores) s.connectPeers(peers);
  return { stores, ports };
}

/** Wait until each store's copies reach the other (the links are up), with probe sessions. */
async function linksUp(a: ReplicationStore, b: ReplicationStore): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    let n = 0;
    await eventually(async () => {
      const id = `probe-${n++}`;
      await from.save(id, 0, [turn('p')]);
      await sleep(5);
      return to.load(id, {});
    }, (v) => v !== undefined, 5000);
  }
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await sleep(10);
  }
}

/** A raw peer connection to a store's listener: send frames, see acks, see it closed. */
async function rawPeer(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    send: (frame: object) => socket.write(`${JSON.stringify(frame)}\n`),
    acks: () => data.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string; s: number }),
    closed,
    destroy: () => socket.destroy(),
  };
}

const mac = (secret: string, from: number) => createHmac('sha256', secret).update(`sessbench-peer:${from}`).digest('hex');
const put = (s: number, id: string, version: number) => ({ t: 'put', s, id, d: encodeSession({ version, turns: [turn(id)] }, { codec: 'json', compress: 'none', compressAbove: 0 }).toString('base64') });

describe('replication', () => {
  const open: ReplicationStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('copies every save to the peer (async)', async () => {
    const { stores: [a, b] } = await linked('async');
    open.push(a!, b!);
    await linksUp(a!, b!);
    const before = a!.counters().remoteWrites;
    await a!.save('s1', 0, [turn('t0')]);
    const seen = await eventually(() => b!.load('s1', {}), (v) => v !== undefined);
    expect(seen).toEqual({ version: 1, turns: [turn('t0')] });
    expect(a!.counters().remoteWrites - before).toBe(1);
  });

  it('replies only after the peer acknowledged (sync)', async () => {
    const { stores: [a, b] } = await linked('sync');
    open.push(a!, b!);
    await linksUp(a!, b!);
    await a!.save('s1', 0, [turn('t0')]);
    expect(await b!.load('s1', {})).toEqual({ version: 1, turns: [turn('t0')] });
  });

  it('keeps the newer version when copies cross (last writer wins by version)', async () => {
    const { stores: [a, b] } = await linked('sync');
    open.push(a!, b!);
    await linksUp(a!, b!);
    await a!.save('s1', 0, [turn('t0')]);
    await b!.save('s1', 1, [turn('t0'), turn('t1')]);
    await a!.save('s1', 0, [turn('old')]); // a stale write: version 1 again
    expect((await b!.load('s1', {}))!.version).toBe(2);
  });

  it('refuses copies from a peer without the cluster secret, and takes them from one with it', async () => {
    const { stores: [a, b], ports } = await linked('async');
    open.push(a!, b!);
    // A peer that proves the secret: its copy is applied, then acknowledged.
    const good = await rawPeer(ports[0]!);
    good.send({ t: 'hello', from: 1, mac: mac(SECRET, 1) });
    good.send(put(7, 'from-good', 1));
    await eventually(async () => good.acks(), (acks) => acks.length > 0);
    expect(good.acks()).toEqual([{ t: 'ack', s: 7 }]);
    expect(await a!.load('from-good', {})).toEqual({ version: 1, turns: [turn('from-good')] });
    // One that can't: the store hangs up on it, and its copy is never applied.
    const bad = await rawPeer(ports[0]!);
    bad.send({ t: 'hello', from: 1, mac: mac('d'.repeat(64), 1) });
    bad.send(put(8, 'from-bad', 1));
    await bad.closed;
    expect(bad.acks()).toEqual([]);
    expect(await a!.load('from-bad', {})).toBeUndefined();
    // Nor can a frame before any hello.
    const rude = await rawPeer(ports[0]!);
    rude.send(put(9, 'no-hello', 1));
    await rude.closed;
    expect(await a!.load('no-hello', {})).toBeUndefined();
    good.destroy();
  });
});
