/**
 * sessbench's TCP proxy: every link from an instance to Redis or to a peer goes through one, so
 * faults can be injected on it. Toxics (./toxics) are added and removed while connections are
 * open and apply to those connections too. Per connection and direction, chunks pass through the
 * active toxics one at a time and in order; with no toxic, bytes are written straight through.
 */
import net from 'node:net';
import { Prng } from '../util/prng.js';
import { paramsSchema } from './toxics/params.js';
import { getToxic } from './toxics/registry.js';
import {
  type Chunk,
  type Direction,
  type Toxic,
  type ToxicSpec,
  type ToxicStub,
  waitOrRemoved,
} from './toxics/types.js';

export interface Address {
  host: string;
  port: number;
}

interface ActiveToxic {
  id: number;
  toxic: Toxic;
  directions: Direction[];
  toxicity: number;
  removed: Promise<void>;
  isRemoved: boolean;
  remove(): void;
}

class Stub implements ToxicStub {
  readonly state: unknown;

  constructor(
    readonly link: Link,
    readonly active: ActiveToxic,
    readonly direction: Direction,
  ) {
    this.state = active.toxic.newState?.();
  }

  get removed(): Promise<void> {
    return this.active.removed;
  }

  get shared(): Record<string, unknown> {
    return this.link.shared;
  }

  isRemoved(): boolean {
    return this.active.isRemoved;
  }

  close(): void {
    this.link.close(false);
  }

  reset(): void {
    this.link.close(true);
  }

  random(): number {
    return this.link.proxy.random();
  }

  inject(direction: Direction, data: Buffer): void {
    this.link.pipes[direction].push(data, true);
  }
}

/** Resolves on drain, or when the socket fails or closes: never rejects, never waits on a dead socket. */
function writable(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    socket.on('drain', done).on('close', done).on('error', done);
  });
}

/** One direction of one connection. */
class Pipe {
  private readonly queue: (Chunk & { raw?: boolean })[] = [];
  private busy = false;
  private ended = false;

  constructor(
    private readonly link: Link,
    private readonly direction: Direction,
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
  ) {
    src.on('data', (d: Buffer) => this.push(d, false));
    src.on('end', () => {
      this.ended = true;
      if (!this.busy && this.dst.writable) this.dst.end();
    });
  }

  push(data: Buffer, raw: boolean): void {
    if (!raw && !this.busy && this.link.stubs(this.direction).length === 0) {
      this.write(data);
      return;
    }
    this.queue.push({ data, at: performance.now(), raw });
    if (this.queue.length > 32) this.src.pause();
    if (!this.busy) this.run().catch(() => this.link.close(false));
  }

  private write(data: Buffer): Promise<unknown> | undefined {
    // The other side may have ended or reset between reads: that ends the connection, nothing more.
    if (!this.dst.writable) return undefined;
    this.link.proxy.bytes[this.direction] += data.length;
    let flushed: boolean;
    try {
      flushed = this.dst.write(data);
    } catch {
      this.link.close(false);
      return;
    }
    if (!flushed) {
      this.src.pause();
      return writable(this.dst).then(() => this.src.resume());
    }
  }

  private async run(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0 && !this.link.closed) {
      const chunk = this.queue.shift()!;
      if (chunk.raw) await this.write(chunk.data);
      else await this.through(this.link.stubs(this.direction), 0, chunk.data, chunk.at);
      if (this.queue.length < 8 && this.src.isPaused() && this.dst.writableLength === 0) this.src.resume();
    }
    this.busy = false;
    if (this.ended && !this.link.closed && this.dst.writable) this.dst.end();
  }

  private async through(stubs: Stub[], i: number, data: Buffer, at: number): Promise<void> {
    if (this.link.closed) return;
    if (i === stubs.length) {
      await this.write(data);
      return;
    }
    const stub = stubs[i]!;
    for (const piece of await stub.active.toxic.pipe({ data, at }, stub)) {
      if (typeof piece === 'number') await waitOrRemoved(piece, stub);
      else await this.through(stubs, i + 1, piece, at);
    }
  }
}

/** One proxied connection: client ⇄ upstream. */
class Link {
  closed = false;
  readonly shared: Record<string, unknown> = {};
  readonly pipes: Record<Direction, Pipe>;
  private readonly attached: Record<Direction, Stub[]> = { upstream: [], downstream: [] };

  constructor(
    readonly proxy: TcpProxy,
    readonly client: net.Socket,
    readonly server: net.Socket,
  ) {
    this.pipes = {
      upstream: new Pipe(this, 'upstream', client, server),
      downstream: new Pipe(this, 'downstream', server, client),
    };
    for (const s of [client, server]) {
      s.setNoDelay(true);
      s.on('error', () => this.close(false));
      s.on('close', () => this.close(false));
    }
  }

  /** Start a toxic on this connection, if its toxicity draw says so. */
  attach(active: ActiveToxic): void {
    if (this.proxy.random() >= active.toxicity) return;
    for (const dir of active.directions) {
      const stub = new Stub(this, active, dir);
      this.attached[dir].push(stub);
      active.toxic.attach?.(stub);
    }
  }

  /** The toxics acting on a direction now: active ones, and removed ones still draining state. */
  stubs(dir: Direction): Stub[] {
    const list = this.attached[dir];
    if (list.length === 0) return list;
    const live = list.filter((s) => !s.active.isRemoved || s.active.toxic.busy?.(s));
    if (live.length !== list.length) this.attached[dir] = live;
    return live;
  }

  close(reset: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.client, this.server]) {
      if (reset && !s.destroyed && typeof s.resetAndDestroy === 'function' && s.readyState === 'open')
        s.resetAndDestroy();
      else s.destroy();
    }
    this.proxy.forget(this);
  }
}

export class TcpProxy {
  private readonly server: net.Server;
  private readonly links = new Set<Link>();
  private readonly active: ActiveToxic[] = [];
  private readonly prng: Prng;
  private nextId = 1;
  private address: Address | undefined;
  private refusing = false;
  /** Bytes relayed in each direction. */
  readonly bytes: Record<Direction, number> = { upstream: 0, downstream: 0 };

  constructor(
    readonly name: string,
    private readonly upstream: Address,
    seed = 0,
  ) {
    this.prng = new Prng(seed, `proxy:${name}`);
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Listen on a free loopback port; resolves to the address clients should use. */
  listen(): Promise<Address> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.address?.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.address = { host: '127.0.0.1', port: (this.server.address() as net.AddressInfo).port };
        resolve(this.address);
      });
    });
  }

  /** The port clients use, once listening. */
  get port(): number | undefined {
    return this.address?.port;
  }

  random(): number {
    return this.prng.next();
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const server = net.connect(this.upstream.port, this.upstream.host);
    const link = new Link(this, client, server);
    this.links.add(link);
    for (const a of this.active) link.attach(a);
  }

  forget(link: Link): void {
    this.links.delete(link);
  }

  /**
   * Add a toxic now, to open connections and new ones; returns its id. Throws for an unknown type
   * or parameters its own schema refuses.
   */
  addToxic(spec: ToxicSpec): number {
    const def = getToxic(spec.type);
    if (!def) throw new Error(`unknown toxic type ${JSON.stringify(spec.type)}`);
    const toxic = def.create(paramsSchema(def.params).parse(spec.params));
    let resolveRemoved!: () => void;
    const active: ActiveToxic = {
      id: this.nextId++,
      toxic,
      directions: spec.direction === 'both' ? ['upstream', 'downstream'] : [spec.direction],
      toxicity: spec.toxicity,
      removed: new Promise<void>((r) => (resolveRemoved = r)),
      isRemoved: false,
      remove: () => {
        active.isRemoved = true;
        resolveRemoved();
      },
    };
    this.active.push(active);
    for (const link of [...this.links]) link.attach(active);
    void this.updateRefusing();
    return active.id;
  }

  /** Remove a toxic; data it held flows on, in order. */
  removeToxic(id: number): void {
    const i = this.active.findIndex((a) => a.id === id);
    if (i < 0) return;
    this.active[i]!.remove();
    this.active.splice(i, 1);
    void this.updateRefusing();
  }

  /** Stop accepting while a `down` toxic is active (connections are refused), listen again after. */
  private async updateRefusing(): Promise<void> {
    const refuse = this.active.some((a) => a.toxic.refusesConnections);
    if (refuse === this.refusing) return;
    this.refusing = refuse;
    if (refuse) this.server.close();
    else if (this.address) await this.listen().catch(() => {});
  }

  /** Remove every toxic, stop listening and cut every open connection. */
  async close(): Promise<void> {
    for (const a of this.active.splice(0)) a.remove();
    for (const l of [...this.links]) l.close(false);
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
