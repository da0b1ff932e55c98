/**
 * From request cookies to the session a turn runs on, and from a finished turn to the cookies that
 * go back: shared by the HTTP and WebSocket bindings.
 */
import type { LoadHint } from '../backends/types.js';
import {
  SESSION_COOKIE,
  VERSION_COOKIE,
  isSessionIdShape,
  parseCookieHeader,
  setCookie,
  signVersion,
  verifyVersion,
} from './cookies.js';
import type { ServiceConfig, TurnSession } from './turn.js';

/** The session a Cookie header names: a well-formed id, and the version its signed cookie vouches for. */
export function sessionFromCookies(cfg: ServiceConfig, header: string | undefined): TurnSession {
  const jar = parseCookieHeader(header);
  const sid = jar.get(SESSION_COOKIE);
  const id = sid && isSessionIdShape(sid) ? sid : undefined;
  const hint: LoadHint = {};
  if (id && cfg.versionCookie) {
    const v = verifyVersion(cfg.secret, id, jar.get(VERSION_COOKIE));
    if (v !== undefined) hint.cookieVersion = v;
  }
  return { id, hint };
}

/** Set-Cookie values after a turn: a new session id, and the signed version for backends with one. */
export function cookiesFor(cfg: ServiceConfig, presented: string | undefined, id: string, version: number): string[] {
  const cookies: string[] = [];
  if (id !== presented) cookies.push(setCookie(SESSION_COOKIE, id));
  if (cfg.versionCookie) cookies.push(setCookie(VERSION_COOKIE, signVersion(cfg.secret, id, version)));
  return cookies;
}
