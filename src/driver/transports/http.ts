/**
 * HTTP request/response: `POST /chat` on keep-alive connections, a pool per instance (so a dead
 * instance can't stall the others), through the lean client in http-wire.ts. The request head is
 * built once per instance; a turn adds its length, its cookie and its body. Every turn goes to
 * the instance the balancer picks for it.
 */
import type { TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';
import { WirePool } from './http-wire.js';
import { answerOf } from './reply.js';
import { ConnectionStats } from './stats.js';
import type {
  ConversationLink,
  ConversationRef,
  Transport,
  TransportOptions,
  TurnTiming,
  WireResult,
} from './types.js';

export class HttpTransport implements Transport {
  private readonly pools: WirePool[];
  private readonly heads: string[];
  readonly stats: ConnectionStats;

  constructor(private readonly opts: TransportOptions) {
    this.pools = opts.targets.map((t) => new WirePool(t.host, t.port, opts.requestTimeoutMs));
    this.heads = opts.targets.map(
      (t) => `POST /chat HTTP/1.1\r\nhost: ${t.host}:${t.port}\r\ncontent-type: application/json\r\n`,
    );
    this.stats = new ConnectionStats('http', opts.targets.length);
  }

  open(c: ConversationRef): ConversationLink {
    return {
      send: (req: TurnRequest, timing: TurnTiming) => {
        timing.requests = 1;
        return this.send(this.opts.route(c.affinity), c.jar, req);
      },
      close: () => {},
    };
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
    return answerOf(status, bytes.toString('utf8'));
  }

  abort(): void {
    for (const p of this.pools) p.close();
  }

  async close(): Promise<void> {
    this.abort();
  }
}
