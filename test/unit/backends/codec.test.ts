import { describe, expect, it } from 'vitest';
import { type CodecOptions, decodeSession, encodeSession } from '../../../src/backends/codec.js';
import type { Session } from '../../../src/backends/types.js';

const session: Session = {
  version: 7,
  turns: Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, user: `question ${i} `.repeat(20), reply: 'an answer, '.repeat(60) })),
};

const variants: CodecOptions[] = [];
for (const codec of ['json', 'msgpack'] as const) {
  for (const compress of ['none', 'gzip', 'brotli'] as const) variants.push({ codec, compress, compressAbove: 1024 });
}

describe('session codec', () => {
  it.each(variants)('round-trips with $codec / $compress', (opts) => {
    expect(decodeSession(encodeSession(session, opts))).toEqual(session);
  });

  it('compresses only above the threshold', () => {
    const small: Session = { version: 1, turns: [{ id: 'a', user: 'hi', reply: 'hello' }] };
    const raw = encodeSession(small, { codec: 'json', compress: 'gzip', compressAbove: 1024 });
    expect(raw[0]).toBe(0x00);
    const big = encodeSession(session, { codec: 'json', compress: 'gzip', compressAbove: 1024 });
    expect(big[0]).toBe(0x10);
    expect(big.length).toBeLessThan(encodeSession(session, { codec: 'json', compress: 'none', compressAbove: 0 }).length / 4);
  });

  it('makes msgpack smaller than json', () => {
    const json = encodeSession(session, { codec: 'json', compress: 'none', compressAbove: 0 });
    const mp = encodeSession(session, { codec: 'msgpack', compress: 'none', compressAbove: 0 });
    expect(mp.length).toBeLessThan(json.length);
  });

  it('refuses bytes that are not a stored session', () => {
    expect(() => decodeSession(Buffer.from([0x00]))).toThrow(/truncated/);
    expect(() => decodeSession(Buffer.from('\x00{"__proto__":{"x":1}}'))).toThrow(/unexpected shape/);
    expect(() => decodeSession(Buffer.from('\x00[1,[[1,2,3]]]'))).toThrow(/malformed turn/);
    expect(() => decodeSession(Buffer.from('\x07[1,[]]'))).toThrow(/unknown codec/);
    expect(() => decodeSession(Buffer.from('\x40[1,[]]'))).toThrow(/unknown compression/);
  });
});
