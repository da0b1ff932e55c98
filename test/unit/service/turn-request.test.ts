import { describe, expect, it } from 'vitest';
import { parseTurnRequest, replyText, runTurn } from '../../../src/service/turn.js';
import { naturalText } from '../../../src/text/generate.js';
import { Prng } from '../../../src/util/prng.js';
import { SECRET, makeStore } from '../../helpers/stores.js';

describe('turn request and reply text', () => {
  it('takes a reply seed of 0..2^32-1 and refuses any other', () => {
    expect(parseTurnRequest('{"turnId":"t","message":"m","replySeed":4294967295}').replySeed).toBe(4294967295);
    expect(parseTurnRequest('{"turnId":"t","message":"m"}')).not.toHaveProperty('replySeed');
    for (const bad of ['-1', '1.5', '4294967296', '"7"', 'null']) {
      expect(() => parseTurnRequest(`{"turnId":"t","message":"m","replySeed":${bad}}`), bad).toThrow(/replySeed/);
    }
  });

  it("writes the reply from the request's seed alone: natural text of the configured size and language", () => {
    const cfg = { language: 'zh' as const, replyBytes: 700 };
    const reply = replyText(cfg, { turnId: 'c1t1', message: 'm', replySeed: 123 });
    expect(reply).toBe(naturalText('zh', new Prng(123, 'reply'), 700));
    expect(Buffer.byteLength(reply)).toBe(700);
    expect(replyText(cfg, { turnId: 'other', message: 'x', replySeed: 123 })).toBe(reply);
    expect(replyText(cfg, { turnId: 'c1t1', message: 'm', replySeed: 124 })).not.toBe(reply);
  });

  it('derives a seed from the turn id when the request names none', () => {
    const cfg = { language: 'en' as const, replyBytes: 300 };
    const a = replyText(cfg, { turnId: 'a', message: 'm' });
    expect(replyText(cfg, { turnId: 'a', message: 'other' })).toBe(a);
    expect(replyText(cfg, { turnId: 'b', message: 'm' })).not.toBe(a);
    expect(a).toHaveLength(300);
  });

  it('streams the tokens of that same reply, in order, and stores it', async () => {
    const store = makeStore('memory', undefined);
    const cfg = {
      instanceIndex: 0, store, versionCookie: false, secret: SECRET, historyTurns: 50, replyBytes: 500,
      language: 'zh' as const, maxBodyBytes: 65536, prefillMsPerKB: 0, inflight: new Map(),
    };
    const req = { turnId: 'c1t1', message: 'm', replySeed: 99, tokens: 7, firstTokenMs: 0, tokenGapMs: 0 };
    const tokens: string[] = [];
    const out = await runTurn(cfg, { id: undefined, hint: {} }, req, { token: (_i, text) => void tokens.push(text) });
    expect(tokens).toHaveLength(7);
    expect(tokens.join('')).toBe(replyText(cfg, req));
    expect(out.reply.reply).toBe(replyText(cfg, req));
    expect((await store.load(out.sessionId, {}))?.turns[0]?.reply).toBe(replyText(cfg, req));
  });
});
