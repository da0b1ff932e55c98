/**
 * Entry point of one instance process, forked by the harness with an IPC channel. It serves the
 * reference chat service on a free loopback port and reports the port; it exits when told to, or
 * at once when the harness goes away (the IPC channel closes), so no instance outlives a run.
 */
import type { AddressInfo } from 'node:net';
import { getBackend } from '../backends/registry.js';
import { messageOf } from '../errors.js';
import { isPeerLinked, isRingMember, isSized } from '../backends/types.js';
import { createChatServer } from './app.js';
import type { FromInstance, InstanceConfig, ToInstance } from './messages.js';

function tell(msg: FromInstance): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.SESSBENCH_INSTANCE ?? '{}') as InstanceConfig;
  const backend = getBackend(cfg.backend);
  if (!backend) throw new Error(`unknown backend ${cfg.backend}`);
  const store = backend.create(
    {
      instanceIndex: cfg.index,
      instanceCount: cfg.count,
      secret: cfg.secret,
      ...(cfg.redis ? { redis: cfg.redis } : {}),
    },
    cfg.options,
  );
  const { server, closeWebSockets } = createChatServer({
    instanceIndex: cfg.index,
    store,
    versionCookie: backend.versionCookie,
    secret: cfg.secret,
    historyTurns: cfg.historyTurns,
    replyBytes: cfg.replyBytes,
    language: cfg.language,
    maxBodyBytes: cfg.maxBodyBytes,
    prefillMsPerKB: cfg.prefillMsPerKB ?? 0,
    inflight: new Map(),
  });
  const peerPort = isPeerLinked(store) ? await store.listenPeers(cfg.peerPort ?? 0) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port ?? 0, '127.0.0.1', resolve);
  });

  // A graceful stop (SIGTERM): no new connections, let requests in flight finish, then exit. The
  // harness sends SIGKILL if this takes longer than the grace period.
  process.on('SIGTERM', () => {
    server.close(() => void store.close().finally(() => process.exit(0)));
    server.closeIdleConnections();
    closeWebSockets();
  });

  process.on('message', (msg: ToInstance) => {
    if (msg.type === 'peers' && isPeerLinked(store)) store.connectPeers(msg.peers);
    else if (msg.type === 'ring') {
      if (isRingMember(store)) store.setRing(msg.nodes);
      tell({ type: 'ring-ok' });
    } else if (msg.type === 'stats') {
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      tell({
        type: 'stats',
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        cpuMicros: cpu.user + cpu.system,
        counters: store.counters(),
        sessionSizes: isSized(store) ? store.sessionSizes() : null,
      });
    } else if (msg.type === 'shutdown') {
      closeWebSockets();
      server.closeAllConnections();
      server.close();
      store.close().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    }
  });
  process.on('disconnect', () => process.exit(0));
  tell({ type: 'ready', port: (server.address() as AddressInfo).port, ...(peerPort ? { peerPort } : {}) });
}

main().catch((err: unknown) => {
  tell({ type: 'fatal', message: messageOf(err) });
  process.exit(1);
});
