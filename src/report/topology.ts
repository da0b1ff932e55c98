/**
 * The Redis deployment tables every tabular reporter prints after the comparison (terminal,
 * Markdown, HTML): one row per backend on a multi-node deployment (its shape, nodes, key spread,
 * redirects, memory), and one row per topology event (failover, reshard, membership change) with
 * its duration and what it moved. A figure over no data is "–".
 */
import type { BackendResult } from '../results/schema.js';
import type { RedisTopologyResult, TopologyEvent } from '../results/topology.js';
import type { Column, ColumnGroup } from './columns.js';
import { formatBytes, formatPct } from './format.js';

/** A column group with its rows and the notes under it. */
export interface TopologyTable<R = unknown> extends ColumnGroup<R> {
  rows: readonly R[];
  notes: string[];
}

interface DeploymentRow {
  label: string;
  topo: RedisTopologyResult;
}

interface EventRow {
  label: string;
  event: TopologyEvent;
}

const DASH = '–';

const DEPLOYMENT_COLUMNS: readonly Column<DeploymentRow>[] = [
  { title: 'backend', numeric: false, value: (r) => r.label },
  { title: 'redis', numeric: false, value: (r) => r.topo.shape },
  {
    title: 'nodes up',
    numeric: true,
    value: (r) => `${r.topo.nodes.filter((n) => n.alive).length}/${r.topo.nodes.length}`,
  },
  { title: 'keys', numeric: true, value: (r) => (r.topo.keySpread ? String(r.topo.keySpread.keys) : DASH) },
  {
    title: 'spread max/mean',
    numeric: true,
    value: (r) => (r.topo.keySpread ? r.topo.keySpread.ratio.toFixed(2) : DASH),
  },
  {
    title: 'MOVED',
    numeric: true,
    value: (r) => (r.topo.redirects ? String(r.topo.redirects.moved) : DASH),
  },
  { title: 'ASK', numeric: true, value: (r) => (r.topo.redirects ? String(r.topo.redirects.ask) : DASH) },
  {
    title: 'memory',
    numeric: true,
    value: (r) => {
      const known = r.topo.nodes.flatMap((n) => (n.usedMemoryBytes === null ? [] : [n.usedMemoryBytes]));
      return known.length ? formatBytes(known.reduce((a, b) => a + b, 0)) : DASH;
    },
  },
];

const remapped = (e: TopologyEvent) =>
  e.keysRemapped === undefined || !e.keysTotal
    ? DASH
    : `${e.keysRemapped} (${formatPct(e.keysRemapped / e.keysTotal)})`;

const EVENT_COLUMNS: readonly Column<EventRow>[] = [
  { title: 'backend', numeric: false, value: (r) => r.label },
  { title: 'event', numeric: false, value: (r) => r.event.kind },
  { title: 'fault', numeric: false, value: (r) => r.event.fault },
  { title: 'at s', numeric: true, value: (r) => r.event.t.toFixed(1) },
  {
    title: 'took ms',
    numeric: true,
    value: (r) => (r.event.durationMs === null ? 'never' : String(r.event.durationMs)),
  },
  { title: 'remapped', numeric: true, value: (r) => remapped(r.event) },
  {
    title: 'keys moved',
    numeric: true,
    value: (r) => (r.event.keysMoved === undefined ? DASH : String(r.event.keysMoved)),
  },
  {
    title: 'bytes moved',
    numeric: true,
    value: (r) => (r.event.bytesMoved === undefined ? DASH : formatBytes(r.event.bytesMoved)),
  },
  {
    title: 'slots',
    numeric: true,
    value: (r) => (r.event.slotsMoved === undefined ? DASH : String(r.event.slotsMoved)),
  },
];

/** The deployment and event tables of a run; none when every backend runs on one server or none. */
export function topologyTables(backends: readonly BackendResult[]): TopologyTable[] {
  const deployments: DeploymentRow[] = backends.flatMap((b) =>
    b.redisTopology && b.redisTopology.kind !== 'single' ? [{ label: b.label, topo: b.redisTopology }] : [],
  );
  const events: EventRow[] = backends.flatMap((b) =>
    (b.redisTopology?.events ?? []).map((event) => ({ label: b.label, event })),
  );
  const tables: TopologyTable[] = [];
  if (deployments.length) {
    tables.push({
      title: 'Redis deployments',
      columns: DEPLOYMENT_COLUMNS,
      rows: deployments,
      notes: [
        'spread: session keys on the busiest master or ring node / the mean (1.00 is even). MOVED, ASK: redirects ' +
          'the cluster nodes sent (INFO errorstats). memory: used_memory summed over the nodes.',
      ],
    } as TopologyTable);
  }
  if (events.length) {
    tables.push({
      title: 'Redis topology events',
      columns: EVENT_COLUMNS,
      rows: events,
      notes: [
        'took: failover, from the master being killed to the first write its slots take again; reshard and ' +
          'membership changes, the migration (links down meanwhile for a ring). never: not within the run. ' +
          'remapped: keys whose node changed.',
        ...events.flatMap((e) => (e.event.detail ? [`${e.label}, ${e.event.fault}: ${e.event.detail}`] : [])),
      ],
    } as TopologyTable);
  }
  return tables;
}
