/**
 * sessbench's TCP proxy: every link from an instance to Redis or to a peer goes through one, so
 * faults can be injected on it. For now a plain pass-through; it tracks its connections so closing
 * the proxy leaves no socket behind.
 */
import net from 'node:net';

export interface Address {
  host: string;
  port: number;
}

export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Bytes relayed in each direction, for reports. */
  readonly bytes = { upstream: 0, downstream: 0 };

  constructor(
    readonly name: string,
    private readonly upstream: Address,
  ) {
    this.server = net.createServer((client) => this.link(client));
  }

  /** Listen on a free loopback port; resolves to the address clients should use. */
  listen(): Promise<Address> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        resolve({ host: '127.0.0.1', port: (this.server.address() as net.AddressInfo).port });
      });
    });
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private link(client: net.Socket): void {
    const server = net.connect(this.upstream.port, this.upstream.host);
    this.track(client);
    this.track(server);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (c: Buffer) => (this.bytes.upstream += c.length));
    server.on('data', (c: Buffer) => (this.bytes.downstream += c.length));
    client.pipe(server);
    server.pipe(client);
    // Either side failing ends both, as a reset would on a real network path.
    const end = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  }

  /** Stop listening and cut every open connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
