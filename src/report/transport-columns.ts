/**
 * The transport tables, beside the comparison groups of columns.ts: how replies reached the client
 * (time to first token, full turn, requests per turn, added delivery delay; then the streaming
 * figures: time to last token, token gaps, messages per second) and what the client's connections
 * did (connects, reconnects, time disconnected, resent turns, memory per connection). Shown when a run has something to say there: a transport
 * other than plain HTTP, streamed tokens, or reconnects.
 */
import type { BackendResult } from '../results/schema.js';
import type { ColumnGroup } from './columns.js';
import { NO_DATA, formatBytes, formatMs, formatNumber } from './format.js';

const backendColumn = { title: 'backend', numeric: false, value: (b: BackendResult) => b.label };
const ms = (f: (b: BackendResult) => number | null | undefined) => (b: BackendResult) => formatMs(f(b));

export const TRANSPORT_GROUP: ColumnGroup<BackendResult> = {
  title: 'Transports',
  columns: [
    backendColumn,
    { title: 'transport', numeric: false, value: (b) => b.connections?.transport ?? NO_DATA },
    { title: 'TTFT p50', numeric: true, value: ms((b) => b.delivery?.ttftMs.p50) },
    { title: 'TTFT p99', numeric: true, value: ms((b) => b.delivery?.ttftMs.p99) },
    { title: 'turn p50', numeric: true, value: ms((b) => b.latencyMs.p50) },
    { title: 'turn p99', numeric: true, value: ms((b) => b.latencyMs.p99) },
    { title: 'req/turn', numeric: true, value: (b) => formatNumber(b.delivery?.requestsPerTurn, 2) },
    { title: 'delay p50', numeric: true, value: ms((b) => b.delivery?.deliveryMs.p50) },
    { title: 'delay mean', numeric: true, value: ms((b) => b.delivery?.deliveryMs.mean) },
  ],
};

export const STREAMING_GROUP: ColumnGroup<BackendResult> = {
  title: 'Streaming',
  columns: [
    backendColumn,
    { title: 'TTLT p50', numeric: true, value: ms((b) => b.delivery?.ttltMs.p50) },
    { title: 'TTLT p99', numeric: true, value: ms((b) => b.delivery?.ttltMs.p99) },
    { title: 'gap p99', numeric: true, value: ms((b) => b.delivery?.tokenGapMs.p99) },
    { title: 'stall max', numeric: true, value: ms((b) => b.delivery?.tokenGapMs.max) },
    { title: 'tokens', numeric: true, value: (b) => String(b.delivery?.tokens ?? NO_DATA) },
    { title: 'msg/s', numeric: true, value: (b) => formatNumber(b.delivery?.messagesPerSec, 0) },
  ],
};

export const CONNECTION_GROUP: ColumnGroup<BackendResult> = {
  title: 'Connections',
  columns: [
    backendColumn,
    { title: 'connects', numeric: true, value: (b) => String(b.connections?.connects ?? NO_DATA) },
    { title: 'open max', numeric: true, value: (b) => String(b.connections?.openMax ?? NO_DATA) },
    { title: 'connect p50', numeric: true, value: ms((b) => b.connections?.connectMs.p50) },
    { title: 'reconnects', numeric: true, value: (b) => String(b.connections?.reconnects ?? NO_DATA) },
    { title: 'down s', numeric: true, value: (b) => formatNumber(b.connections?.disconnectedSec, 2) },
    { title: 'resent', numeric: true, value: (b) => String(b.connections?.resent ?? NO_DATA) },
    { title: 'repeats', numeric: true, value: (b) => String(b.connections?.repeats ?? NO_DATA) },
    { title: 'gave up', numeric: true, value: (b) => String(b.connections?.abandoned ?? NO_DATA) },
    { title: 'mem/conn', numeric: true, value: (b) => formatBytes(b.connections?.memoryPerConnectionBytes) },
  ],
};

/** The transport tables of a run, where they say something (after the groups of columns.ts). */
export function transportGroups(backends: readonly BackendResult[]): readonly ColumnGroup<BackendResult>[] {
  const groups: ColumnGroup<BackendResult>[] = [];
  const streamed = backends.some((b) => (b.delivery?.tokens ?? 0) > 0);
  if (streamed || backends.some((b) => b.connections && b.connections.transport !== 'http'))
    groups.push(TRANSPORT_GROUP);
  if (streamed) groups.push(STREAMING_GROUP);
  if (backends.some((b) => (b.connections?.connects ?? 0) > 0 || (b.connections?.reconnects ?? 0) > 0))
    groups.push(CONNECTION_GROUP);
  return groups;
}

/** Notes under the transport tables. */
export function transportFootnotes(backends: readonly BackendResult[]): string[] {
  if (!transportGroups(backends).includes(TRANSPORT_GROUP)) return [];
  return [
    'TTFT: time to the first token, from the intended send time (a reply that is not streamed is one token). ' +
      "delay: from the actual send to the reply, less the service's own time (what the transport adds). " +
      'req/turn: HTTP requests (WebSocket messages) per turn. TTLT: time to the last token. gap, stall: between ' +
      'two tokens of a reply. ' +
      'down s: time conversations spent reconnecting; resent: turns sent again after a reconnect; repeats: ' +
      "resent turns the service had already stored (answered again, counted once); mem/conn: the driver's memory " +
      'per open connection (from 1000 open at once).',
  ];
}
