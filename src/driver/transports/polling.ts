/**
 * Submit, then fetch: the client starts a turn with `POST /chat/turns` (the service answers a
 * ticket at once) and asks `GET /chat/turns/<ticket>` for the reply, either every `interval`
 * (poll: on the client's own clock, whose phase is drawn per conversation from the seed, so a reply
 * waits half an interval on average) or with a request the service holds until the reply is ready
 * (long-poll: `?wait=<hold>`, asked again after each "not yet"). The requests of one turn go to the
 * instance that took it. Through the lean client in http-wire.ts.
 */
import { performance } from 'node:perf_hooks';
import type { TurnRequest } from '../../service/protocol.js';
import { Prng } from '../../util/prng.js';
import type { CookieJar } from '../cookie-jar.js';
import { WirePool, type WireOutcome } from './http-wire.js';
import { answerOf } from './reply.js';
import { ConnectionStats, Timers } from './stats.js';
import type {
  ConversationLink,
  ConversationRef,
  Transport,
  TransportOptions,
  TurnTiming,
  WireResult,
} from './types.js';

type Mode = 'poll' | 'long-poll';

const failed = (out: Extract<WireOutcome, { ok: false }>): WireResult =>
  out.kind === 'aborted' ? { ok: false, kind: 'aborted' } : { ok: false, kind: out.kind, reason: out.reason };

export class PollingTransport implements Transport {
  private readonly pools: WirePool[];
  private readonly hosts: string[];
  private readonly timers = new Timers();
  readonly stats: ConnectionStats;

  constructor(
    private readonly opts: TransportOptions,
    private readonly mode: Mode,
  ) {
    // A held request may take the hold time before it is answered at all.
    const timeout = opts.requestTimeoutMs + (mode === 'long-poll' ? opts.spec.holdMs : 0);
    this.pools = opts.targets.map((t) => new WirePool(t.host, t.port, timeout));
    this.hosts = opts.targets.map((t) => `host: ${t.host}:${t.port}\r\n`);
    this.stats = new ConnectionStats(mode, opts.targets.length);
  }

  open(c: ConversationRef): ConversationLink {
    // The phase of this client's poll clock, in [0, interval).
    const phase = new Prng(this.opts.seed, `poll:${c.index}`).next() * this.opts.spec.intervalMs;
    return {
      send: (req, timing) => this.turn(this.opts.route(c.affinity), c.jar, req, timing, phase),
      close: () => {},
    };
  }

  private async turn(i: number, jar: CookieJar, req: TurnRequest, timing: TurnTiming, phase: number) {
    const deadline = performance.now() + this.opts.requestTimeoutMs;
    const body = JSON.stringify(req);
    const cookie = jar.header();
    const submit = await this.pools[i]!.request(
      `POST /chat/turns HTTP/1.1\r\n${this.hosts[i]}content-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${cookie ? `cookie: ${cookie}\r\n` : ''}\r\n${body}`,
    );
    timing.requests = 1;
    if (!submit.ok) return failed(submit);
    const text = submit.response.body.toString('utf8');
    if (submit.response.status !== 202) return answerOf(submit.response.status, text);
    let ticket: unknown;
    try {
      ticket = (JSON.parse(text) as { ticket?: unknown }).ticket;
    } catch {}
    if (typeof ticket !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(ticket))
      return { ok: false, kind: 'protocol', status: 202, reason: 'no ticket in the reply' } as const;
    return this.fetch(i, jar, ticket, timing, phase, deadline);
  }

  private async fetch(i: number, jar: CookieJar, ticket: string, timing: TurnTiming, phase: number, deadline: number) {
    const { intervalMs, holdMs } = this.opts.spec;
    const wait = this.mode === 'long-poll' ? `?wait=${holdMs}` : '';
    const head = `GET /chat/turns/${ticket}${wait} HTTP/1.1\r\n${this.hosts[i]}\r\n`;
    for (;;) {
      if (this.mode === 'poll') {
        // The next tick of the client's poll clock.
        const now = performance.now();
        const next = phase + Math.ceil((now - phase + 0.001) / intervalMs) * intervalMs;
        if (next > deadline)
          return { ok: false, kind: 'timeout', reason: 'no reply within the request timeout' } as const;
        if (!(await this.timers.wait(next - now))) return { ok: false, kind: 'aborted' } as const;
      } else if (performance.now() > deadline) {
        return { ok: false, kind: 'timeout', reason: 'no reply within the request timeout' } as const;
      }
      const out = await this.pools[i]!.request(head);
      timing.requests++;
      if (!out.ok) return failed(out);
      const { status, setCookie, body } = out.response;
      if (status === 204) continue;
      if (status === 404) return { ok: false, kind: 'protocol', status, reason: 'the ticket was not found' } as const;
      if (setCookie.length) jar.store(setCookie);
      return answerOf(status, body.toString('utf8'));
    }
  }

  abort(): void {
    this.timers.cancel();
    for (const p of this.pools) p.close();
  }

  async close(): Promise<void> {
    this.abort();
  }
}
