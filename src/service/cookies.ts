/**
 * Cookies of the reference chat service: the session id (128-bit random, never chosen by the
 * client) and, for backends that use one, the session version signed with the cluster secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'sb_sid';
export const VERSION_COOKIE = 'sb_ver';
const ATTRIBUTES = 'Path=/; HttpOnly; SameSite=Lax';
/** 16 random bytes in base64url: 22 characters. */
const SESSION_ID_RE = /^[A-Za-z0-9_-]{22}$/;

/** A fresh session id: 128 bits from the OS CSPRNG. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** True when the text has the shape of an id this service issues (it may still be unknown). */
export function isSessionIdShape(id: string): boolean {
  return SESSION_ID_RE.test(id);
}

/** The `name=value` pairs of a Cookie header; later duplicates do not override earlier ones. */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const raw of header.split(';')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq);
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export function setCookie(name: string, value: string): string {
  return `${name}=${value}; ${ATTRIBUTES}`;
}

function versionMac(secret: string, sessionId: string, version: number): string {
  return createHmac('sha256', secret).update(`${sessionId}.${version}`).digest().subarray(0, 16).toString('base64url');
}

/** `<version>.<mac>`: the version bound to one session id, so it can't be moved to another. */
export function signVersion(secret: string, sessionId: string, version: number): string {
  return `${version}.${versionMac(secret, sessionId, version)}`;
}

/** The version in a signed cookie value, or undefined when it is malformed or its MAC is wrong. */
export function verifyVersion(secret: string, sessionId: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const versionText = value.slice(0, dot);
  if (!/^\d{1,15}$/.test(versionText)) return undefined;
  const version = Number(versionText);
  const want = Buffer.from(versionMac(secret, sessionId, version));
  const got = Buffer.from(value.slice(dot + 1));
  return want.length === got.length && timingSafeEqual(want, got) ? version : undefined;
}
