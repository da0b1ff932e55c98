import { describe, expect, it } from 'vitest';
import {
  isSessionIdShape, newSessionId, parseCookieHeader, setCookie, signVersion, verifyVersion,
} from '../../../src/service/cookies.js';

const secret = 'a'.repeat(64);

describe('session ids', () => {
  it('are 128-bit random base64url strings', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
      expect(isSessionIdShape(id)).toBe(true);
    }
    expect(isSessionIdShape('../../etc/passwd')).toBe(false);
    expect(isSessionIdShape('short')).toBe(false);
  });

  it('are set HttpOnly, SameSite=Lax and Path=/', () => {
    const c = setCookie('sb_sid', 'x');
    expect(c).toMatch(/HttpOnly/);
    expect(c).toMatch(/SameSite=Lax/);
    expect(c).toMatch(/Path=\//);
  });
});

describe('signed version cookie', () => {
  it('verifies its own signature', () => {
    expect(verifyVersion(secret, 'sid1', signVersion(secret, 'sid1', 42))).toBe(42);
  });

  it('rejects a changed version, another session, another secret and garbage', () => {
    const v = signVersion(secret, 'sid1', 42);
    expect(verifyVersion(secret, 'sid1', v.replace(/^42/, '43'))).toBeUndefined();
    expect(verifyVersion(secret, 'sid2', v)).toBeUndefined();
    expect(verifyVersion('b'.repeat(64), 'sid1', v)).toBeUndefined();
    for (const junk of ['', '.', '42', '42.', 'x.y', '-1.abc', '1e3.abc']) expect(verifyVersion(secret, 'sid1', junk)).toBeUndefined();
  });
});

describe('parseCookieHeader', () => {
  it('reads pairs and keeps the first of duplicates', () => {
    const m = parseCookieHeader('a=1; b=2; a=3; junk; =x');
    expect(m.get('a')).toBe('1');
    expect(m.get('b')).toBe('2');
    expect(m.size).toBe(2);
  });
});
