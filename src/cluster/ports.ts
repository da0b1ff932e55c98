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

/**
 * True for 127.0.0.0/8 written as four octets of 0..255, ::1 and localhost: the only addresses
 * sessbench sends traffic to. Anything else (127.999.999.999 included) is refused before a name
 * lookup could send it anywhere.
 */
export function isLoopback(host: string): boolean {
  if (LOOPBACK.has(host)) return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m?.slice(1).every((o) => Number(o) <= 255) ?? false;
}
