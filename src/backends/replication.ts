/**
 * Replication: local memory, and every save is copied to every other instance over a peer link
 * (newline-delimited JSON on TCP, through the fault proxy). `async` replies first and copies after;
 * `sync` replies once every connected peer acknowledged the copy (or its ack timeout passed: a peer
 * that is gone or cut off is not waited for, and the miss is counted as an error). Conflicts resolve
 * by last writer wins on the version.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import * as z from 'zod';
import { decodeSession, encodeSession } from './codec.js';
import { LocalStore } from './local-store.js';
import { localOptions } from './options.js';
import { durationMs } from '../util/fields.js';
import type { BackendDefinition, PeerLinkedStore, StoreContext, TurnRecord } from './types.js';

const options = {
  ...localOptions,
  mode: z
    .enum(['async', 'sync'])
    .default('async')
    .describe('async: reply, then copy; sync: reply after every peer acknowledged.'),
  ackTimeout: durationMs().prefault('1s').describe("How long a sync save waits for one peer's acknowledgement."),
};
type Options = z.output<z.ZodObject<typeof options>>;

/** A peer frame longer than this is refused (bounded memory per link). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const WIRE_CODEC = { codec: 'json', compress: 'none', compressAbove: 0 } as const;

type Frame =
  | { t: 'hello'; from: number; mac: string }
  | { t: 'put'; s: number; id: string; d: string }
  | { t: 'ack'; s: number };

/** Splits a byte stream into newline-delimited JSON frames; malformed frames close the link. */
function onFrames(socket: net.Socket, handle: (f: Frame) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_FRAME_BYTES) return socket.destroy();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let frame: Frame;
      try {
        frame = JSON.parse(line) as Frame;
      } catch {
        return socket.destroy();
      }
      handle(frame);
    }
  });
}

/** One outgoing link to a peer, reconnecting while the store is open. */
class PeerLink {
  private socket: net.Socket | undefined;
  private ready = false;
  private closed = false;
  private readonly waiting = new Map<number, () => void>();

  constructor(
    private readonly addr: { host: string; port: number },
    private readonly hello: string,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = net.connect(this.addr.port, this.addr.host);
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(this.hello);
      this.ready = true;
    });
    onFrames(socket, (f) => {
      if (f.t === 'ack') this.settle(f.s);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ready = false;
      // A peer that is gone will never acknowledge: release whoever waits for it.
      for (const s of [...this.waiting.keys()]) this.settle(s);
      if (!this.closed) setTimeout(() => this.connect(), 100).unref();
    });
  }

  private settle(seq: number): void {
    const done = this.waiting.get(seq);
    this.waiting.delete(seq);
    done?.();
  }

  /** Send a frame; false when the link is down (the copy is not made). */
  send(frame: string): boolean {
    if (!this.ready || !this.socket) return false;
    this.socket.write(frame);
    return true;
  }

  /** Resolves true on the peer's ack, false on timeout or when the link goes down. */
  ack(seq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        resolve(false);
      }, timeoutMs);
      this.waiting.set(seq, () => {
        clearTimeout(timer);
        resolve(this.ready);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

export class ReplicationStore extends LocalStore implements PeerLinkedStore {
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly links: PeerLink[] = [];
  private readonly inbound = new Set<net.Socket>();
  private seq = 0;

  constructor(
    private readonly ctx: StoreContext,
    private readonly opts: Options,
  ) {
    super(opts.capacity);
  }

  private mac(from: number): string {
    return createHmac('sha256', this.ctx.secret).update(`sessbench-peer:${from}`).digest('hex');
  }

  listenPeers(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  connectPeers(peers: readonly { index: number; host: string; port: number }[]): void {
    const from = this.ctx.instanceIndex;
    const hello = `${JSON.stringify({ t: 'hello', from, mac: this.mac(from) })}\n`;
    for (const p of peers) if (p.index !== this.ctx.instanceIndex) this.links.push(new PeerLink(p, hello));
  }

  private accept(socket: net.Socket): void {
    this.inbound.add(socket);
    socket.on('close', () => this.inbound.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let trusted = false;
    onFrames(socket, (f) => {
      if (f.t === 'hello') {
        const want = Buffer.from(this.mac(Number(f.from)));
        const got = Buffer.from(String(f.mac));
        trusted = want.length === got.length && timingSafeEqual(want, got);
        if (!trusted) socket.destroy();
      } else if (f.t === 'put' && trusted) {
        this.apply(f.id, f.d);
        socket.write(`{"t":"ack","s":${Number(f.s)}}\n`);
      } else {
        socket.destroy();
      }
    });
  }

  /** Last writer wins: a copy replaces the local session only when its version is newer. */
  private apply(id: unknown, data: unknown): void {
    if (typeof id !== 'string' || typeof data !== 'string') return;
    const buf = Buffer.from(data, 'base64');
    this.stats.bytesRead += buf.length;
    const incoming = decodeSession(buf);
    const current = this.sessions.get(id);
    if (!current || current.version < incoming.version) this.sessions.set(id, incoming);
  }

  override async save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number> {
    const version = await super.save(id, baseVersion, turns);
    const seq = ++this.seq;
    const data = encodeSession({ version, turns }, WIRE_CODEC).toString('base64');
    const frame = `${JSON.stringify({ t: 'put', s: seq, id, d: data })}\n`;
    const acks: Promise<boolean>[] = [];
    for (const link of this.links) {
      if (!link.send(frame)) {
        this.stats.errors++;
        continue;
      }
      this.stats.remoteWrites++;
      this.stats.bytesWritten += frame.length;
      if (this.opts.mode === 'sync') acks.push(link.ack(seq, this.opts.ackTimeout));
    }
    if (acks.length > 0) {
      for (const ok of await Promise.all(acks)) if (!ok) this.stats.errors++;
    }
    return version;
  }

  override async close(): Promise<void> {
    for (const l of this.links) l.close();
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await super.close();
  }
}

export const replicationBackend = {
  name: 'replication',
  description: 'Local memory copied to every other instance over peer links (async or sync); survives one crash.',
  routing: 'any',
  usesRedis: false,
  versionCookie: false,
  options,
  create: (ctx, opts) => new ReplicationStore(ctx, opts),
} satisfies BackendDefinition<typeof options>;
