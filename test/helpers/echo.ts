/**
 * A real TCP echo server on a free loopback port, and a client that collects what comes back.
 */
import net from 'node:net';

export interface Echo {
  port: number;
  close(): Promise<void>;
}

export async function startEcho(): Promise<Echo> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export interface EchoClient {
  socket: net.Socket;
  received: () => Buffer;
  /** Times (performance.now) at which data arrived, with byte counts. */
  arrivals: { at: number; bytes: number }[];
  /** Resolves once at least `n` bytes came back. */
  waitFor(n: number, timeoutMs?: number): Promise<Buffer>;
  closed: Promise<{ hadError: boolean; code?: string }>;
}

export async function connect(port: number): Promise<EchoClient> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const arrivals: { at: number; bytes: number }[] = [];
  let lastError: NodeJS.ErrnoException | undefined;
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    arrivals.push({ at: performance.now(), bytes: d.length });
  });
  socket.on('error', (e) => (lastError = e));
  const closed = new Promise<{ hadError: boolean; code?: string }>((resolve) =>
    socket.on('close', (hadError) => resolve({ hadError, ...(lastError?.code ? { code: lastError.code } : {}) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received = () => Buffer.concat(chunks);
  return {
    socket,
    received,
    arrivals,
    closed,
    waitFor: (n, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const end = Date.now() + timeoutMs;
        const check = () => {
          const got = received();
          if (got.length >= n) return resolve(got);
          if (Date.now() > end) return reject(new Error(`only ${got.length} of ${n} bytes arrived`));
          setTimeout(check, 2);
        };
        check();
      }),
  };
}
