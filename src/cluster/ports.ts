import net from 'node:net';

/** A loopback port that was free a moment ago (the caller must retry if it is taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const LOOPBACK = new Set(['localhost', '::1', '[::1]']);

/** True for 127.0.0.0/8, ::1 and localhost: the only addresses sessbench sends traffic to. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}
