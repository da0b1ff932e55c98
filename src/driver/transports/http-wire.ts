/**
 * A minimal HTTP/1.1 client for the driver's hot path: keep-alive connections to one instance,
 * one request at a time per connection, a response read as status, the headers the driver needs
 * (content-length, transfer-encoding, connection, set-cookie) and the body. It exists because a
 * general client costs more CPU per request than the whole turn may (bench/: the undici rows), and
 * a load generator must not measure itself. Everything else in sessbench that speaks HTTP uses
 * undici.
 *
 * Failures are data: `request` never rejects; it resolves with a status, or with an error kind
 * (refused, reset, timeout, protocol, aborted) the transport maps to the turn's outcome.
 */
import net from 'node:net';

export interface WireResponse {
  status: number;
  /** Set-Cookie header values, in order. */
  setCookie: string[];
  body: Buffer;
}

export type WireFailure = 'refused' | 'reset' | 'timeout' | 'protocol' | 'aborted';

export type WireOutcome = { ok: true; response: WireResponse } | { ok: false; kind: WireFailure; reason: string };

/** Longest header block accepted before the response counts as malformed. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Largest body accepted (the service's replies are a few KB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

interface Pending {
  resolve(o: WireOutcome): void;
  deadline: number;
}

/** Incremental parse state of one response. */
class ResponseReader {
  private head: Buffer | undefined;
  status = 0;
  setCookie: string[] = [];
  close = false;
  private length = -1;
  private chunked = false;
  private buffered: Buffer[] = [];
  private size = 0;
  /** Body bytes a complete chunked body took. */
  private consumed = 0;

  /** Feed bytes; returns the response once complete, a failure message, or undefined for more. */
  feed(data: Buffer): WireResponse | string | undefined {
    this.buffered.push(data);
    this.size += data.length;
    if (this.head === undefined) {
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      const end = all.indexOf(CRLFCRLF);
      if (end < 0) return all.length > MAX_HEAD_BYTES ? 'response headers too large' : undefined;
      const problem = this.readHead(all.toString('latin1', 0, end));
      if (problem) return problem;
      this.head = all.subarray(0, end + 4);
      this.buffered = [all.subarray(end + 4)];
      this.size = all.length - end - 4;
    }
    return this.chunked ? this.readChunked() : this.readLength();
  }

  private readHead(text: string): string | undefined {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
    if (!m) return `malformed status line ${JSON.stringify(lines[0]!.slice(0, 40))}`;
    this.status = Number(m[1]);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return 'malformed header line';
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (this.length >= 0 && this.length !== Number(value)))
          return 'malformed content-length';
        this.length = Number(value);
        if (this.length > MAX_BODY_BYTES) return 'response body too large';
      } else if (name === 'transfer-encoding') this.chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'connection') this.close = /(^|,)\s*close\s*(,|$)/i.test(value);
      else if (name === 'set-cookie') this.setCookie.push(value);
    }
    if (!this.chunked && this.length < 0) {
      // Without a length the body runs to the end of the connection: not a keep-alive reply.
      return this.status === 204 || this.status === 304 ? undefined : 'response without content-length';
    }
    if (this.status === 204 || this.status === 304) this.length = 0;
    return undefined;
  }

  private readLength(): WireResponse | undefined {
    if (this.size < this.length) return undefined;
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    return { status: this.status, setCookie: this.setCookie, body: all.subarray(0, this.length) };
  }

  private readChunked(): WireResponse | string | undefined {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = all.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = Number.parseInt(all.toString('latin1', at, eol).split(';')[0]!, 16);
      if (!Number.isFinite(size) || size < 0) return 'malformed chunk size';
      if (size === 0) {
        // The last chunk, then (optional trailers and) an empty line.
        const end = all.indexOf(CRLFCRLF, eol);
        if (end < 0) return undefined;
        this.consumed = end + 4;
        return { status: this.status, setCookie: this.setCookie, body: Buffer.concat(parts) };
      }
      if (all.length < eol + 2 + size + 2) return undefined;
      parts.push(all.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
      if (at > MAX_BODY_BYTES) return 'response body too large';
    }
  }

  /** Bytes after the complete response: a pipelined extra reply is a protocol error. */
  get extra(): number {
    return this.head === undefined ? 0 : Math.max(0, this.size - (this.chunked ? this.consumed : this.length));
  }
}

class Connection {
  readonly socket: net.Socket;
  private pending: Pending | undefined;
  private reader: ResponseReader | undefined;
  connected = false;
  closed = false;

  constructor(
    private readonly pool: WirePool,
    port: number,
    host: string,
  ) {
    this.socket = net.connect({ port, host, noDelay: true });
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(err.code === 'ECONNREFUSED' && !this.connected ? 'refused' : 'reset', err.message),
    );
    this.socket.on('close', () => this.fail('reset', 'the connection closed before the reply'));
  }

  /** When the request in flight times out; undefined when idle. */
  get deadline(): number | undefined {
    return this.pending?.deadline;
  }

  send(bytes: string, pending: Pending): void {
    this.pending = pending;
    this.reader = new ResponseReader();
    this.socket.write(bytes);
  }

  private onData(d: Buffer): void {
    if (!this.reader || !this.pending) {
      // Bytes nobody asked for: the connection is out of step, drop it.
      this.destroy();
      return;
    }
    const r = this.reader.feed(d);
    if (r === undefined) return;
    if (typeof r === 'string' || this.reader.extra > 0) {
      this.fail('protocol', typeof r === 'string' ? r : 'bytes after the reply');
      return;
    }
    const done = this.pending;
    const close = this.reader.close;
    this.pending = undefined;
    this.reader = undefined;
    if (close) this.destroy();
    else this.pool.release(this);
    done.resolve({ ok: true, response: r });
  }

  /** Fail the request in flight (if any) and drop the connection. */
  fail(kind: WireFailure, reason: string): void {
    const p = this.pending;
    this.pending = undefined;
    this.reader = undefined;
    this.destroy();
    p?.resolve({ ok: false, kind, reason });
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.pool.forget(this);
  }
}

/**
 * Keep-alive connections to one address. `request` takes a whole request (head and body) and
 * resolves with its reply or a failure; connections are made as needed and reused when idle.
 */
export class WirePool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {
    // One timer checks every request's deadline, instead of a timer per request.
    this.sweep = setInterval(() => this.expire(), Math.max(10, Math.min(250, timeoutMs / 4)));
    this.sweep.unref();
  }

  request(bytes: string): Promise<WireOutcome> {
    return new Promise((resolve) => {
      let c = this.idle.pop();
      while (c && (c.closed || c.socket.destroyed)) c = this.idle.pop();
      if (!c) {
        c = new Connection(this, this.port, this.host);
        this.all.add(c);
      }
      c.send(bytes, { resolve, deadline: performance.now() + this.timeoutMs });
    });
  }

  release(c: Connection): void {
    if (!c.closed) this.idle.push(c);
  }

  forget(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private expire(): void {
    const now = performance.now();
    for (const c of this.all) {
      const deadline = c.deadline;
      if (deadline !== undefined && now > deadline) c.fail('timeout', `no reply within ${this.timeoutMs} ms`);
    }
  }

  /** Fail every request in flight as aborted and close every connection. */
  close(): void {
    clearInterval(this.sweep);
    for (const c of [...this.all]) c.fail('aborted', 'the run stopped the request');
    this.idle.length = 0;
  }
}
