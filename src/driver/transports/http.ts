/**
 * HTTP request/response: `POST /chat` with undici, one explicit Agent per instance (never the
 * global dispatcher), so each instance has its own keep-alive pool and a dead one can't stall the
 * others.
 */
import { Agent, errors as undiciErrors } from 'undici';
import { messageOf } from '../../errors.js';
import type { TurnReply, TurnRequest } from '../../service/protocol.js';
import type { CookieJar } from '../cookie-jar.js';
import type { ErrorKind, Transport, TransportOptions, WireResult } from './types.js';

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function errorKind(err: unknown): ErrorKind {
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (RESET_CODES.has(code) || err instanceof undiciErrors.SocketError) return 'reset';
  return 'reset';
}

function statusKind(status: number, phase: unknown): ErrorKind {
  if (status === 503) return phase === 'read' ? 'unavailable' : 'unavailable_write';
  if (status >= 400 && status < 500) return 'rejected';
  return 'server_error';
}

export class HttpTransport implements Transport {
  private readonly agents: Agent[];
  private readonly origins: string[];

  constructor(opts: TransportOptions) {
    this.origins = opts.targets.map((t) => `http://${t.host}:${t.port}`);
    this.agents = opts.targets.map(
      () =>
        new Agent({
          headersTimeout: opts.requestTimeoutMs,
          bodyTimeout: opts.requestTimeoutMs,
          connectTimeout: opts.requestTimeoutMs,
        }),
    );
  }

  async send(instance: number, jar: CookieJar, req: TurnRequest, signal: AbortSignal): Promise<WireResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    try {
      const res = await this.agents[instance]!.request({
        origin: this.origins[instance]!,
        path: '/chat',
        method: 'POST',
        headers,
        body: JSON.stringify(req),
        signal,
      });
      jar.store(res.headers['set-cookie']);
      const text = await res.body.text();
      let body: Partial<TurnReply> & { reason?: string; phase?: string };
      try {
        body = JSON.parse(text);
      } catch {
        return {
          ok: false,
          kind: res.statusCode === 200 ? 'protocol' : statusKind(res.statusCode, undefined),
          status: res.statusCode,
        };
      }
      if (res.statusCode === 200) {
        if (!Array.isArray(body.context) || typeof body.created !== 'boolean')
          return { ok: false, kind: 'protocol', status: 200 };
        return { ok: true, reply: body as TurnReply };
      }
      return {
        ok: false,
        kind: statusKind(res.statusCode, body.phase),
        status: res.statusCode,
        ...(body.reason ? { reason: body.reason } : {}),
      };
    } catch (err) {
      if (signal.aborted) return { ok: false, kind: 'aborted' };
      return { ok: false, kind: errorKind(err), reason: messageOf(err) };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.destroy().catch(() => {})));
  }
}
