/**
 * The driver's HTTP client against a real TCP server that answers exactly as scripted: replies cut
 * into any packets, several cookies, chunked bodies, a server that closes, resets, never answers,
 * answers twice or answers garbage. Every failure comes back as a kind, never as an exception.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WirePool } from '../../../src/driver/transports/http-wire.js';

type Script = (socket: net.Socket, request: string, n: number) => void;

let server: net.Server | undefined;
let pool: WirePool | undefined;
const sockets = new Set<net.Socket>();

afterEach(async () => {
  pool?.close();
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that calls `script` once per complete request (head and content-length body). */
async function serve(script: Script): Promise<WirePool> {
  let n = 0;
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        script(socket, request, n++);
      }
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  pool = new WirePool('127.0.0.1', (server!.address() as net.AddressInfo).port, 300);
  return pool;
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const REQ = 'POST /chat HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}';

describe('the driver\'s HTTP client', () => {
  it('reads a reply cut into single bytes, with every Set-Cookie, and reuses the connection', async () => {
    const ports = new Set<number>();
    const p = await serve((s, _req, n) => {
      ports.add(s.remotePort!);
      const reply = Buffer.from(ok(`{"n":${n}}`, 'set-cookie: a=1; HttpOnly\r\nSet-Cookie: b=2\r\n'));
      // One byte per packet, in order, a little apart.
      const send = (i: number) => {
        if (i >= reply.length) return;
        s.write(reply.subarray(i, i + 1));
        setTimeout(() => send(i + 1), i % 4 === 0 ? 1 : 0);
      };
      send(0);
    });
    for (let n = 0; n < 3; n++) {
      const out = await p.request(REQ);
      expect(out).toEqual({ ok: true, response: { status: 200, setCookie: ['a=1; HttpOnly', 'b=2'], body: Buffer.from(`{"n":${n}}`) } });
    }
    expect(ports.size).toBe(1);
  });

  it('opens a new connection after "connection: close"', async () => {
    const ports = new Set<number>();
    const p = await serve((s) => {
      ports.add(s.remotePort!);
      s.end(ok('{}', 'connection: close\r\n'));
    });
    expect((await p.request(REQ)).ok).toBe(true);
    expect((await p.request(REQ)).ok).toBe(true);
    expect(ports.size).toBe(2);
  });

  it('decodes a chunked body', async () => {
    const p = await serve((s) => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n'));
    const out = await p.request(REQ);
    expect(out.ok && out.response.body.toString()).toBe('{"a":1}');
  });

  it('names each failure: protocol, reset, timeout, refused, aborted', async () => {
    const cases: Record<number, (s: net.Socket) => void> = {
      0: (s) => s.write('HTTQ/9 what\r\n\r\n'),
      1: (s) => s.write('HTTP/1.1 200 OK\r\n\r\n{}'),
      2: (s) => s.write(`${ok('{}')}${ok('{}')}`),
      // The rest of the body never comes: the server closes, the reply is cut short.
      3: (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"a'),
      4: (s) => setTimeout(() => s.resetAndDestroy(), 20),
      5: () => {},
    };
    const p = await serve((s, _req, n) => cases[n]?.(s));
    const kinds: string[] = [];
    for (let n = 0; n < 6; n++) {
      const out = await p.request(REQ);
      kinds.push(out.ok ? 'ok' : out.kind);
    }
    expect(kinds).toEqual(['protocol', 'protocol', 'protocol', 'reset', 'reset', 'timeout']);
    const closed = new WirePool('127.0.0.1', 1, 300);
    expect(await closed.request(REQ)).toMatchObject({ ok: false, kind: 'refused' });
    closed.close();
    const waiting = p.request(REQ);
    p.close();
    expect(await waiting).toMatchObject({ ok: false, kind: 'aborted' });
  });
});
