import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_DECODED_BYTES, decodeSession, encodeSession } from '../../../src/backends/codec.js';

describe('decoding a stored session', () => {
  it('refuses a compressed value that inflates past the bound (a compression bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_DECODED_BYTES + 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const stored = Buffer.concat([Buffer.from([0x10]), bomb]);
    expect(() => decodeSession(stored)).toThrow(/buffer|larger|length/i);
  });

  it('still decodes a compressed session below the bound', () => {
    const session = { version: 3, turns: [{ id: 't1', user: 'hi', reply: 'x'.repeat(5000) }] };
    const stored = encodeSession(session, { codec: 'json', compress: 'gzip', compressAbove: 100 });
    expect(stored[0]).toBe(0x10);
    expect(decodeSession(stored)).toEqual(session);
  });
});
