import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
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
  await sleep(100); // links connect
  return stores;
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await sleep(10);
  }
}

describe('replication', () => {
  const open: ReplicationStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('copies every save to the peer (async)', async () => {
    const [a, b] = await linked('async');
    open.push(a!, b!);
    await a!.save('s1', 0, [turn('t0')]);
    const seen = await eventually(() => b!.load('s1', {}), (v) => v !== undefined);
    expect(seen).toEqual({ version: 1, turns: [turn('t0')] });
    expect(a!.counters().remoteWrites).toBe(1);
  });

  it('replies only after the peer acknowledged (sync)', async () => {
    const [a, b] = await linked('sync');
    open.push(a!, b!);
    await a!.save('s1', 0, [turn('t0')]);
    expect(await b!.load('s1', {})).toEqual({ version: 1, turns: [turn('t0')] });
  });

  it('keeps the newer version when copies cross (last writer wins by version)', async () => {
    const [a, b] = await linked('sync');
    open.push(a!, b!);
    await a!.save('s1', 0, [turn('t0')]);
    await b!.save('s1', 1, [turn('t0'), turn('t1')]);
    await a!.save('s1', 0, [turn('old')]); // a stale write: version 1 again
    expect((await b!.load('s1', {}))!.version).toBe(2);
  });

  it('refuses copies from a peer without the cluster secret', async () => {
    const [a, b] = await linked('async', [SECRET, 'd'.repeat(64)]);
    open.push(a!, b!);
    await b!.save('s1', 0, [turn('t0')]);
    await sleep(200);
    expect(await a!.load('s1', {})).toBeUndefined();
  });
});
