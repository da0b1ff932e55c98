import { describe, expect, it } from 'vitest';
import { CookieJar } from '../../../src/driver/cookie-jar.js';

describe('CookieJar', () => {
  it('keeps name=value of Set-Cookie, replaces and removes', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.store(['sb_sid=abc; Path=/; HttpOnly; SameSite=Lax', 'sb_ver=1.x; Path=/']);
    expect(jar.header()).toBe('sb_sid=abc; sb_ver=1.x');
    jar.store('sb_ver=2.y; Path=/');
    expect(jar.header()).toBe('sb_sid=abc; sb_ver=2.y');
    jar.store('sb_ver=; Max-Age=0');
    expect(jar.header()).toBe('sb_sid=abc');
    expect(jar.has('sb_sid')).toBe(true);
  });
});
