/**
 * The reference chat service in a real instance process, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { type Instance, startInstances } from '../../../src/cluster/instances.js';
import { SECRET, defaultOptions } from '../../helpers/stores.js';
import { memoryBackend } from '../../../src/backends/memory.js';
import { naturalText } from '../../../src/text/generate.js';
import { Prng } from '../../../src/util/prng.js';

let inst: Instance;
let origin: string;

beforeAll(async () => {
  [inst] = (await startInstances([
    {
      index: 0, count: 1, backend: 'memory', options: defaultOptions(memoryBackend), secret: SECRET,
      historyTurns: 3, replyBytes: 100, language: 'en', maxBodyBytes: 2048,
    },
  ])) as [Instance];
  origin = `http://127.0.0.1:${inst.port}`;
});

afterAll(async () => {
  await inst?.stop();
});

async function chat(body: unknown, cookie?: string, raw?: string) {
  const res = await request(`${origin}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: raw ?? JSON.stringify(body),
  });
  const setCookie = res.headers['set-cookie'];
  return { status: res.statusCode, body: (await res.body.json()) as any, setCookie: ([] as string[]).concat(setCookie ?? []) };
}

const sidOf = (setCookie: string[]) => /sb_sid=([^;]+)/.exec(setCookie.join('\n'))?.[1];

describe('POST /chat', () => {
  it('issues a 128-bit session id in an HttpOnly, SameSite=Lax cookie', async () => {
    const r = await chat({ turnId: 't0', message: 'hello' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ turnId: 't0', created: true, version: 0, context: [], instance: 0 });
    expect(r.body.reply).toHaveLength(100);
    const cookie = r.setCookie.find((c) => c.startsWith('sb_sid='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(Buffer.from(sidOf(r.setCookie)!, 'base64url')).toHaveLength(16);
  });

  it('replies with the natural text of the seed the driver sent, the same every time', async () => {
    const r = await chat({ turnId: 'seeded', message: 'hello', replySeed: 99 });
    expect(r.body.reply).toBe(naturalText('en', new Prng(99, 'reply'), 100));
    expect((await chat({ turnId: 'again', message: 'hi', replySeed: 99 })).body.reply).toBe(r.body.reply);
    expect((await chat({ turnId: 'bad', message: 'hi', replySeed: -1 })).status).toBe(400);
  });

  it('echoes the context it used, bounded by the history length', async () => {
    const first = await chat({ turnId: 'a', message: 'm' });
    const cookie = `sb_sid=${sidOf(first.setCookie)}`;
    const contexts = [];
    for (const id of ['b', 'c', 'd', 'e']) contexts.push((await chat({ turnId: id, message: 'm' }, cookie)).body.context);
    expect(contexts).toEqual([['a'], ['a', 'b'], ['a', 'b', 'c'], ['b', 'c', 'd']]);
  });

  it('never adopts a session id it did not issue', async () => {
    const forged = 'A'.repeat(22);
    const r = await chat({ turnId: 'x', message: 'm' }, `sb_sid=${forged}`);
    expect(r.body.created).toBe(true);
    const issued = sidOf(r.setCookie);
    expect(issued).toBeDefined();
    expect(issued).not.toBe(forged);
  });

  it('answers 400 to malformed JSON and bad fields, 413 to oversized bodies', async () => {
    expect((await chat(undefined, undefined, '{nope')).status).toBe(400);
    expect((await chat({ message: 'm' })).status).toBe(400);
    expect((await chat({ turnId: 'x'.repeat(200), message: 'm' })).status).toBe(400);
    expect((await chat({ turnId: 'x', message: 'm', modelMs: -1 })).status).toBe(400);
    const big = await chat({ turnId: 'x', message: 'm'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('too_large');
  });

  it('answers 404 and 405 elsewhere', async () => {
    expect((await request(`${origin}/nope`)).statusCode).toBe(404);
    const get = await request(`${origin}/chat`);
    expect(get.statusCode).toBe(405);
    await get.body.dump();
  });
});

describe('instance process', () => {
  it('reports memory and store counters over IPC', async () => {
    const s = await inst.stats();
    expect(s!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(s!.counters.localHits).toBeGreaterThan(0);
  });
});
