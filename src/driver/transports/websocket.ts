/**
 * WebSocket (`ws`): one long-lived connection per conversation, opened through the balancer at its
 * first turn; the session is bound at connect time by the cookie sent with the upgrade (and the
 * 101's Set-Cookie). Turns are messages with correlation ids; replies stream back token by token,
 * then a `reply` message with the context echo. When the connection breaks (instance killed,
 * connection reset) the client reconnects through the balancer after a backoff with seeded jitter
 * and resends an unanswered turn with the same turn id. Per-message deflate is off unless the
 * scenario turns it on.
 *
 * Per turn: one JSON message out, a few in, no listener and no timer (one sweep checks every
 * turn's deadline).
 */
import { performance } from 'node:perf_hooks';
import WebSocket, { type RawData } from 'ws';
import { WS_PATH } from '../../service/protocol.js';
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

interface Pending {
  id: number;
  /** The message to send (and to send again after a reconnect). */
  text: string;
  timing: TurnTiming;
  resolve(r: WireResult): void;
  deadline: number;
  /** It went out on the connection now open (a reconnect resends it). */
  sent: boolean;
}

class WsLink implements ConversationLink {
  private ws: WebSocket | undefined;
  private open = false;
  private instance = -1;
  private pending: Pending | undefined;
  private nextId = 1;
  private ended = false;
  private downSince: number | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly t: WebSocketTransport,
    private readonly c: ConversationRef,
  ) {
    this.backoff = new Backoff(t.opts.reconnect, t.opts.seed, c.index);
  }

  send(req: Parameters<ConversationLink['send']>[0], timing: TurnTiming): Promise<WireResult> {
    if (this.ended) return Promise.resolve({ ok: false, kind: 'aborted' });
    return new Promise((resolve) => {
      const id = this.nextId++;
      const text = JSON.stringify({ type: 'turn', id, turn: req });
      this.pending = {
        id,
        text,
        timing,
        resolve,
        deadline: performance.now() + this.t.opts.requestTimeoutMs,
        sent: false,
      };
      this.t.waiting.add(this);
      if (this.open) this.write();
      else this.connect();
    });
  }

  private write(): void {
    const p = this.pending!;
    p.sent = true;
    p.timing.requests++;
    this.ws!.send(p.text);
  }

  private connect(): void {
    if (this.ws || this.ended) return;
    const i = this.t.opts.route(this.c.affinity);
    const cookie = this.c.jar.header();
    const started = performance.now();
    const ws = new WebSocket(this.t.urls[i]!, {
      perMessageDeflate: this.t.opts.spec.perMessageDeflate,
      handshakeTimeout: this.t.opts.requestTimeoutMs,
      ...(cookie ? { headers: { cookie } } : {}),
    });
    this.ws = ws;
    this.instance = i;
    ws.on('upgrade', (res) => this.c.jar.store(res.headers['set-cookie']));
    ws.on('open', () => {
      this.open = true;
      this.t.stats.opened(performance.now() - started);
      if (this.downSince !== undefined) this.t.stats.disconnectedMs += performance.now() - this.downSince;
      this.downSince = undefined;
      this.backoff.reset();
      if (this.pending && !this.pending.sent) this.write();
    });
    ws.on('message', (data: RawData) => this.onMessage(data));
    ws.on('error', () => {});
    ws.on('close', () => this.onClose(ws));
  }

  private onMessage(data: RawData): void {
    const p = this.pending;
    let m: { type?: unknown; id?: unknown; reply?: unknown; status?: unknown; body?: unknown };
    try {
      m = JSON.parse(data.toString());
    } catch {
      if (p) this.finish({ ok: false, kind: 'protocol', reason: 'a frame that is not JSON' });
      return;
    }
    if (!p || m.id !== p.id) return; // a late message of a turn that timed out
    if (m.type === 'token') {
      const due = p.timing.tokens;
      if ((m as { i?: unknown }).i === due) tokenArrived(p.timing, performance.now());
      else this.finish({ ok: false, kind: 'protocol', reason: `a token out of order where ${due} was due` });
    } else if (m.type === 'reply') {
      const reply = turnReply(m.reply);
      this.finish(reply ? { ok: true, reply } : { ok: false, kind: 'protocol', reason: 'not a turn reply' });
    } else if (m.type === 'error' && typeof m.status === 'number')
      this.finish(answerOf(m.status, JSON.stringify(m.body ?? {})));
    else this.finish({ ok: false, kind: 'protocol', reason: `a message of unknown type ${JSON.stringify(m.type)}` });
  }

  finish(r: WireResult): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.t.waiting.delete(this);
    p.resolve(r);
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    if (this.open) this.t.stats.closed();
    this.ws = undefined;
    this.open = false;
    if (this.ended) return;
    if (this.downSince === undefined) {
      this.downSince = performance.now();
      this.t.stats.broke(this.instance);
    }
    const wait = this.backoff.next();
    if (wait === undefined) {
      // Give up: the turn is lost; the next turn starts over.
      this.t.stats.abandoned++;
      this.t.stats.disconnectedMs += performance.now() - this.downSince;
      this.downSince = undefined;
      this.backoff.reset();
      const sent = this.pending?.sent;
      this.finish({ ok: false, kind: sent ? 'reset' : 'refused', reason: 'no connection after the last attempt' });
      return;
    }
    if (this.pending?.sent) {
      // The resend streams its reply again from the first token.
      const { timing } = this.pending;
      const requests = timing.requests;
      resetTiming(timing);
      timing.requests = requests;
      this.pending.sent = false;
      this.t.stats.resent++;
    }
    void this.t.timers.wait(wait).then((ok) => ok && this.connect());
  }

  /** The conversation ended, or the run was cut. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.finish({ ok: false, kind: 'aborted' });
    this.t.links.delete(this);
    if (this.downSince !== undefined) this.t.stats.disconnectedMs += performance.now() - this.downSince;
    const ws = this.ws;
    if (!ws) return;
    if (this.open) this.t.stats.closed();
    this.ws = undefined;
    this.open = false;
    ws.terminate();
  }

  /** The turn in flight, if it is past its deadline, times out. */
  expire(now: number): void {
    const p = this.pending;
    if (p && now > p.deadline)
      this.finish({ ok: false, kind: 'timeout', reason: 'no reply within the request timeout' });
  }
}

export class WebSocketTransport implements Transport {
  readonly urls: string[];
  readonly links = new Set<WsLink>();
  /** Links with a turn in flight. */
  readonly waiting = new Set<WsLink>();
  readonly timers = new Timers();
  readonly stats: ConnectionStats;
  private readonly sweep: NodeJS.Timeout;

  constructor(readonly opts: TransportOptions) {
    this.urls = opts.targets.map((t) => `ws://${t.host}:${t.port}${WS_PATH}`);
    this.stats = new ConnectionStats('websocket', opts.targets.length);
    this.sweep = setInterval(
      () => {
        const now = performance.now();
        for (const l of this.waiting) l.expire(now);
      },
      Math.max(10, Math.min(250, opts.requestTimeoutMs / 4)),
    );
    this.sweep.unref();
  }

  open(c: ConversationRef): ConversationLink {
    const link = new WsLink(this, c);
    this.links.add(link);
    return link;
  }

  abort(): void {
    clearInterval(this.sweep);
    this.timers.cancel();
    for (const l of [...this.links]) l.close();
  }

  async close(): Promise<void> {
    this.abort();
  }
}
