/**
 * One conversation's cookies, as a browser would keep them for one origin (the balancer's): the
 * name=value of each Set-Cookie, removed again by Max-Age=0. Attributes are not enforced: every
 * target is the same loopback site.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  private cached: string | undefined;

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cached === undefined && this.cookies.size > 0) {
      this.cached = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    return this.cached;
  }

  /** Take the Set-Cookie header(s) of a response. */
  store(setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const semi = line.indexOf(';');
      const pair = semi < 0 ? line : line.slice(0, semi);
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      if (/;\s*max-age=0\s*(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
      this.cached = undefined;
    }
  }
}
