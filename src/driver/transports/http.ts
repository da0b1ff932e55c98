/**
 * HTTP request/response: `POST /chat` on keep-alive connections, a pool per instance (so a dead
 * instance can't stall the others), through the lean client in http-wire.ts. The request head is
 * built once per instance; a turn adds its length, its cookie and its body.
 */
import type { TurnReply, TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';
import { WirePool } from './http-wire.js';
import type { ErrorKind, Transport, TransportOptions, WireResult } from './types.js';

function statusKind(status: number, phase: unknown): ErrorKind {
  if (status === 503) return phase === 'read' ? 'unavailable' : 'unavailable_write';
  if (status >= 400 && status < 500) return 'rejected';
  return 'server_error';
}

/** The reply of a 200, checked for the fields the oracle reads; undefined when it is not one. */
function turnReply(body: Partial<TurnReply>): TurnReply | undefined {
  return Array.isArray(body.context) && typeof body.created === 'boolean' ? (body as TurnReply) : undefined;
}

export class HttpTransport implements Transport {
  private readonly pools: WirePool[];
  private readonly heads: string[];

  constructor(opts: TransportOptions) {
    this.pools = opts.targets.map((t) => new WirePool(t.host, t.port, opts.requestTimeoutMs));
    this.heads = opts.targets.map(
      (t) => `POST /chat HTTP/1.1\r\nhost: ${t.host}:${t.port}\r\ncontent-type: application/json\r\n`,
    );
  }

  async send(instance: number, jar: CookieJar, req: TurnRequest): Promise<WireResult> {
    const body = JSON.stringify(req);
    const cookie = jar.header();
    const length = `content-length: ${Buffer.byteLength(body)}\r\n`;
    const head = `${this.heads[instance]}${length}${cookie ? `cookie: ${cookie}\r\n` : ''}\r\n`;
    const out = await this.pools[instance]!.request(head + body);
    if (!out.ok)
      return out.kind === 'aborted'
        ? { ok: false, kind: 'aborted' }
        : { ok: false, kind: out.kind, reason: out.reason };
    const { status, setCookie, body: bytes } = out.response;
    if (setCookie.length) jar.store(setCookie);
    let parsed: Partial<TurnReply> & { reason?: string; phase?: string };
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { ok: false, kind: status === 200 ? 'protocol' : statusKind(status, undefined), status };
    }
    if (status === 200) {
      const reply = turnReply(parsed);
      return reply ? { ok: true, reply } : { ok: false, kind: 'protocol', status };
    }
    const reason = typeof parsed.reason === 'string' ? parsed.reason : undefined;
    return { ok: false, kind: statusKind(status, parsed.phase), status, ...(reason ? { reason } : {}) };
  }

  abort(): void {
    for (const p of this.pools) p.close();
  }

  async close(): Promise<void> {
    this.abort();
  }
}
