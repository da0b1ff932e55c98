/**
 * hash-ring on real standalone nodes, through twemproxy and client-side: keys land where the ring
 * says (twemproxy's ketama and sessbench's agree), and a node leaving or joining loses the sessions
 * that change node unless they are migrated first.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../../../src/backends/types.js';
import { KetamaRing } from '../../../src/util/ketama.js';
import { useTopology } from '../../helpers/topology.js';

const turn = (id: string) => ({ id, user: 'u', reply: 'r' });
const ids = Array.from({ length: 1000 }, () => randomBytes(16).toString('base64url'));

async function found(store: SessionStore): Promise<number> {
  let n = 0;
  for (const id of ids) if (await store.load(id, {})) n++;
  return n;
}

const spec = (via: 'twemproxy' | 'client', migrate: boolean) =>
  ({ kind: 'nodes', count: 4, via, vnodes: 160, migrate }) as const;

describe.each([
  ['twemproxy', false],
  ['twemproxy', true],
  ['client', false],
  ['client', true],
] as const)('hash-ring via %s, migrate %s', (via, migrate) => {
  const ring = useTopology(spec(via, migrate));

  it('puts each key on the node the ring names, and a membership change keeps or loses what moves', async () => {
    const d = ring.get();
    const store = ring.store('hash-ring', { via }, 0, 'ring:');
    for (const id of ids) await store.save(id, 0, [turn('a')]);
    const hash = new KetamaRing(['node0', 'node1', 'node2', 'node3']);
    const nodes = (await d.result()).nodes;
    for (const [k, n] of nodes.entries())
      expect(n.keys).toBe(ids.filter((id) => hash.owner(`ring:${id}`) === `node${k}`).length);

    await d.removeNode!(3, { name: 'remove redis[3]' });
    const removed = (await d.result()).events[0]!;
    const share = removed.keysRemapped! / removed.keysTotal!;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
    expect(await found(store)).toBe(migrate ? ids.length : ids.length - removed.keysRemapped!);
    expect(removed.keysMoved).toBe(migrate ? removed.keysRemapped : 0);
    if (migrate) expect(removed.bytesMoved).toBeGreaterThan(0);

    for (const id of ids) await store.save(id, 0, [turn('b')]);
    await d.addNode!({ name: 'add redis[4]' });
    const added = (await d.result()).events[1]!;
    expect(added.keysRemapped! / added.keysTotal!).toBeGreaterThan(0.15);
    expect(added.keysRemapped! / added.keysTotal!).toBeLessThan(0.35);
    expect(await found(store)).toBe(migrate ? ids.length : ids.length - added.keysRemapped!);
  }, 20_000);
});
