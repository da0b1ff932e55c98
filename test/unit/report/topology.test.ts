/**
 * The Redis deployment tables of the reports: shown for multi-node deployments and their events,
 * with "–" for a figure over no data, in the terminal, Markdown and HTML alike; absent when every
 * backend runs on one server.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { htmlReporter } from '../../../src/report/html.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderTerminal } from '../../../src/report/terminal.js';
import { topologyTables } from '../../../src/report/topology.js';
import { type RunResults, RunResultsSchema } from '../../../src/results/schema.js';
import type { RedisTopologyResult } from '../../../src/results/topology.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const node = (name: string, role: 'master' | 'replica' | 'node', keys: number | null, alive = true) => ({
  name,
  role,
  alive,
  reads: 10,
  writes: 10,
  usedMemoryBytes: 2_000_000,
  keys,
});

const cluster: RedisTopologyResult = {
  kind: 'cluster',
  shape: '3 masters × 1 replica',
  nodes: [
    node('redis[0]', 'master', 0, false),
    node('redis[0].replica', 'master', 340),
    node('redis[1]', 'master', 330),
  ],
  redirects: { moved: 120, ask: 7 },
  keySpread: { nodes: 2, keys: 670, max: 340, mean: 335, ratio: 1.015 },
  events: [
    { kind: 'failover', fault: 'redis[0] failover', t: 5, durationMs: 2870, detail: 'redis[0].replica took over' },
    { kind: 'reshard', fault: 'redis[1] reshard 33%', t: 15, durationMs: null, slotsMoved: 10, keysMoved: 4 },
  ],
};

const ring: RedisTopologyResult = {
  kind: 'nodes',
  shape: '4 nodes, twemproxy ketama, 160 vnodes',
  nodes: [node('redis[0]', 'node', 250), node('redis[1]', 'node', 260)],
  redirects: null,
  keySpread: null,
  events: [
    {
      kind: 'remove-node',
      fault: 'redis[3] remove-node',
      t: 5,
      durationMs: 40,
      keysMoved: 0,
      bytesMoved: 0,
      keysRemapped: 250,
      keysTotal: 1000,
    },
  ],
};

function withTopologies(): RunResults {
  const r = fixtureResults();
  r.backends[0]!.redisTopology = cluster;
  r.backends[1]!.redisTopology = ring;
  return RunResultsSchema.parse(JSON.parse(JSON.stringify(r)));
}

describe('Redis topology tables', () => {
  it('lists deployments and events with their figures, and "–" where there is no data', () => {
    const [deployments, events] = topologyTables(withTopologies().backends);
    const cells = (t: typeof deployments) => t!.rows.map((r) => t!.columns.map((c) => c.value(r)));
    expect(cells(deployments)).toEqual([
      ['memory', '3 masters × 1 replica', '2/3', '670', '1.01', '120', '7', '5.7 MiB'],
      ['redis', '4 nodes, twemproxy ketama, 160 vnodes', '2/2', '–', '–', '–', '–', '3.8 MiB'],
    ]);
    expect(cells(events)).toEqual([
      ['memory', 'failover', 'redis[0] failover', '5.0', '2870', '–', '–', '–', '–'],
      ['memory', 'reshard', 'redis[1] reshard 33%', '15.0', 'never', '–', '4', '–', '10'],
      ['redis', 'remove-node', 'redis[3] remove-node', '5.0', '40', '250 (25.0 %)', '0', '0 B', '–'],
    ]);
    expect(events!.notes.join('\n')).toContain('memory, redis[0] failover: redis[0].replica took over');
  });

  it('shows none for single-server deployments or none at all', () => {
    const r = fixtureResults();
    expect(topologyTables(r.backends)).toEqual([]);
    r.backends[1]!.redisTopology = { ...ring, kind: 'single', events: [] };
    expect(topologyTables(r.backends)).toEqual([]);
    expect(renderTerminal(r, new Chalk({ level: 0 }), 160)).not.toContain('Redis deployments');
  });

  it('appears in the terminal, Markdown and HTML reports, escaped in HTML', () => {
    const r = withTopologies();
    r.backends[0]!.redisTopology!.events[0]!.detail = '<script>x</script>';
    for (const text of [renderTerminal(r, new Chalk({ level: 0 }), 160), renderMarkdown(r), htmlReporter.render(r)]) {
      expect(text).toContain('Redis deployments');
      expect(text).toContain('Redis topology events');
      expect(text).toContain('3 masters × 1 replica');
    }
    const html = htmlReporter.render(r);
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&#60;script&#62;x');
    expect(html).toContain('Shaded blue: failovers and migrations');
  });
});
