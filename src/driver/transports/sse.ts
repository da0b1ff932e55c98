/**
 * Server-sent events: each turn is a `POST /chat` with `accept: text/event-stream`; the reply streams
 * back as one `token` event per token and a last `reply` event with the context echo. The stream is
 * framed by eventsource-parser. A request refused, or a stream that breaks before its reply (instance
 * killed, connection reset), is sent again with the same turn id through the balancer after a backoff
 * with seeded jitter; the service answers a turn id it already stored without appending it twice.
 * Through undici's keep-alive pools (one per instance).
 */
import { createParser } from 'eventsource-parser';
import { Pool } from 'undici';
import type { TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';
import { answerOf, turnReply } from './reply.js';
import { Backoff, ConnectionStats, Timers } from './stats.js';
import {
  type ConversationLink,
  type ConversationRef,
  type Transport,
  type TransportOptions,
  type TurnTiming,
  type WireResult,
  resetTiming,
  tokenArrived,
} from './types.js';

/** One attempt: a result, or a break (refused, or reset before the reply) to reconnect after. */
type Attempt = WireResult | { broken: 'refused' | 'reset'; reason: string };

function errorKind(err: unknown): 'refused' | 'reset' | 'timeout' {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  return 'reset';
}

/** The events of one reply stream: tokens into the timing, then the reply or an error. */
function readEvents(timing: TurnTiming) {
  let result: WireResult | undefined;
  const protocol = (reason: string) => {
    result ??= { ok: false, kind: 'protocol', status: 200, reason };
  };
  const parser = createParser({
    onEvent(e) {
      if (result) return protocol('events after the reply');
      if (e.event === 'token') {
        if (!e.data.startsWith('"')) return protocol('a token event whose data is not a JSON string');
        if (e.id !== String(timing.tokens)) return protocol(`token ${e.id} where token ${timing.tokens} was due`);
        return tokenArrived(timing, performance.now());
      }
      if (e.event === 'reply' || e.event === 'error') {
        let v: unknown;
        try {
          v = JSON.parse(e.data);
        } catch {
          return protocol(`a ${e.event} event whose data is not JSON`);
        }
        if (e.event === 'reply') {
          const reply = turnReply(v);
          result = reply
            ? { ok: true, reply }
            : { ok: false, kind: 'protocol', status: 200, reason: 'not a turn reply' };
        } else {
          const { status, body } = (v ?? {}) as { status?: unknown; body?: unknown };
          result = typeof status === 'number' ? answerOf(status, JSON.stringify(body ?? {})) : undefined;
          if (!result) protocol('an error event without a status');
        }
        return;
      }
      protocol(`an event of unknown type ${JSON.stringify(e.event ?? 'message')}`);
    },
    onError: (err) => protocol(`malformed event stream: ${err.message}`),
  });
  return { parser, result: () => result };
}

export class SseTransport implements Transport {
  private readonly pools: Pool[];
  private readonly timers = new Timers();
  private aborted = false;
  readonly stats: ConnectionStats;

  constructor(private readonly opts: TransportOptions) {
    const timeout = opts.requestTimeoutMs;
    this.pools = opts.targets.map(
      (t) =>
        new Pool(`http://${t.host}:${t.port}`, {
          headersTimeout: timeout,
          bodyTimeout: timeout,
          keepAliveTimeout: 60_000,
        }),
    );
    this.stats = new ConnectionStats('sse', opts.targets.length);
  }

  open(c: ConversationRef): ConversationLink {
    const backoff = new Backoff(this.opts.reconnect, this.opts.seed, c.index);
    return { send: (req, timing) => this.send(c, backoff, req, timing), close: () => {} };
  }

  private async send(c: ConversationRef, backoff: Backoff, req: TurnRequest, timing: TurnTiming): Promise<WireResult> {
    let downSince: number | undefined;
    for (;;) {
      const instance = this.opts.route(c.affinity);
      const requests = timing.requests + 1;
      resetTiming(timing);
      timing.requests = requests;
      const out = await this.attempt(instance, c.jar, req, timing);
      if (!('broken' in out)) {
        if (downSince !== undefined) this.stats.disconnectedMs += performance.now() - downSince;
        backoff.reset();
        return out;
      }
      if (downSince === undefined) {
        downSince = performance.now();
        this.stats.broke(instance);
      }
      const wait = backoff.next();
      if (wait === undefined) {
        this.stats.abandoned++;
        this.stats.disconnectedMs += performance.now() - downSince;
        backoff.reset();
        return { ok: false, kind: out.broken, reason: out.reason };
      }
      if (!(await this.timers.wait(wait))) return { ok: false, kind: 'aborted' };
      this.stats.resent++;
    }
  }

  private async attempt(instance: number, jar: CookieJar, req: TurnRequest, timing: TurnTiming): Promise<Attempt> {
    const cookie = jar.header();
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pools[instance]!.request({
        path: '/chat',
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(req),
      });
    } catch (err) {
      if (this.aborted) return { ok: false, kind: 'aborted' };
      const kind = errorKind(err);
      return kind === 'timeout' ? { ok: false, kind, reason: String(err) } : { broken: kind, reason: String(err) };
    }
    const setCookie = res.headers['set-cookie'];
    if (setCookie) jar.store(setCookie);
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        return this.aborted ? { ok: false, kind: 'aborted' } : { broken: 'reset', reason: String(err) };
      }
      return res.statusCode === 200
        ? { ok: false, kind: 'protocol', status: 200, reason: `content-type ${type}, not an event stream` }
        : answerOf(res.statusCode, text);
    }
    const events = readEvents(timing);
    const text = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        events.parser.feed(text.decode(chunk as Uint8Array, { stream: true }));
        if (events.result()?.ok === false) break;
      }
    } catch (err) {
      if (this.aborted) return { ok: false, kind: 'aborted' };
      if (errorKind(err) === 'timeout') return { ok: false, kind: 'timeout', reason: String(err) };
      return events.result() ?? { broken: 'reset', reason: String(err) };
    }
    if (!events.result()) res.body.destroy();
    return events.result() ?? { broken: 'reset', reason: 'the stream ended before the reply' };
  }

  abort(): void {
    this.aborted = true;
    this.timers.cancel();
    for (const p of this.pools) void p.destroy().catch(() => {});
  }

  async close(): Promise<void> {
    this.abort();
  }
}
