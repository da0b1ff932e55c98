/**
 * Replies waiting to be fetched, for the poll and long-poll transports: `POST /chat/turns` starts a
 * turn and answers a ticket (128 random bits); `GET /chat/turns/<ticket>` answers the reply once it
 * is ready, or 204 (not yet), at once (poll) or after holding the request until the reply is ready
 * or the hold time has passed (long-poll). A ticket is fetched once; one not fetched expires.
 */
import { randomBytes } from 'node:crypto';

/** How a finished turn is answered: status, body and cookies. */
export interface Answer {
  status: number;
  body: unknown;
  cookies: string[];
}

interface Ticket {
  answer: Answer | undefined;
  /** Held requests, answered when the turn finishes (long-poll); false: that request is gone. */
  waiters: ((a: Answer | undefined) => boolean)[];
  /** When an unfetched answer is dropped (performance.now() ms); unset while the turn runs. */
  expiresAt: number;
}

/** An answer not fetched within this long is dropped. */
const KEEP_MS = 60_000;

export class Tickets {
  private readonly tickets = new Map<string, Ticket>();
  private readonly sweep: NodeJS.Timeout;

  /** @param max most tickets held at once; beyond it a new turn is refused (503) */
  constructor(readonly max = 100_000) {
    this.sweep = setInterval(() => this.expire(), 5000);
    this.sweep.unref();
  }

  /** A new ticket, or undefined when too many are held. */
  open(): string | undefined {
    if (this.tickets.size >= this.max) return undefined;
    const id = randomBytes(16).toString('base64url');
    this.tickets.set(id, { answer: undefined, waiters: [], expiresAt: Number.POSITIVE_INFINITY });
    return id;
  }

  /** The turn of this ticket finished: answer the held requests, or keep the answer for the next one. */
  finish(id: string, answer: Answer): void {
    const t = this.tickets.get(id);
    if (!t) return;
    for (let w = t.waiters.shift(); w; w = t.waiters.shift()) {
      if (!w(answer)) continue;
      this.tickets.delete(id);
      for (const other of t.waiters.splice(0)) other(undefined);
      return;
    }
    t.answer = answer;
    t.expiresAt = performance.now() + KEEP_MS;
  }

  /**
   * The answer of a ticket: at once when ready, else after at most `holdMs` (undefined: not yet).
   * Null for a ticket that does not exist (never issued, fetched already, expired).
   */
  fetch(id: string, holdMs: number, gone: () => boolean): Promise<Answer | undefined> | null {
    const t = this.tickets.get(id);
    if (!t) return null;
    if (t.answer) {
      this.tickets.delete(id);
      return Promise.resolve(t.answer);
    }
    if (holdMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = t.waiters.indexOf(done);
        if (i >= 0) t.waiters.splice(i, 1);
        resolve(undefined);
      }, holdMs);
      const done = (a: Answer | undefined) => {
        clearTimeout(timer);
        if (a && gone()) return false;
        resolve(a);
        return true;
      };
      t.waiters.push(done);
    });
  }

  private expire(): void {
    const now = performance.now();
    for (const [id, t] of this.tickets) if (t.expiresAt < now) this.tickets.delete(id);
  }

  close(): void {
    clearInterval(this.sweep);
    for (const t of this.tickets.values()) for (const w of t.waiters.splice(0)) w(undefined);
    this.tickets.clear();
  }
}
