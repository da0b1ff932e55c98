/**
 * report.md: the comparison tables in Markdown, shaped like the tables in the source articles
 * (strategy, latency, session loss, …), followed by the run's facts. Every value goes through the
 * `md` tag, so none can add Markdown structure, whatever the results file holds.
 */
import type { RunResults } from '../results/schema.js';
import {
  backendGroups,
  type ColumnGroup,
  PHASE_GROUPS,
  TIME_BASE,
  footnotes,
  phaseFootnotes,
  phaseRows,
} from './columns.js';
import { type Fragment, md } from './escape.js';
import { formatMetric } from './format.js';
import { topologyTables } from './topology.js';
import type { Reporter } from './types.js';
import { transportFootnotes, transportGroups } from './transport-columns.js';

function table<R>(group: ColumnGroup<R>, rows: readonly R[], heading: string): Fragment[] {
  const cols = group.columns;
  return [
    md`${heading === '##' ? md`## ` : md`### `}${group.title}`,
    md``,
    md`| ${cols.map((c, i) => (i === 0 ? md`${c.title}` : md` | ${c.title}`))} |`,
    md`|${cols.map((c) => (c.numeric ? md`---:|` : md`---|`))}`,
    ...rows.map((r) => md`| ${cols.map((c, i) => (i === 0 ? md`${c.value(r)}` : md` | ${c.value(r)}`))} |`),
    md``,
  ];
}

const seconds = (ms: number) => ms / 1000;

export function renderMarkdown(r: RunResults): string {
  const out: Fragment[] = [md`# sessbench: ${r.scenario.name}`, md``];
  if (r.scenario.description) out.push(md`${r.scenario.description}`, md``);
  if (r.interrupted) out.push(md`> **Interrupted**: these are partial results.`, md``);
  for (const group of [...backendGroups(r.backends), ...transportGroups(r.backends)])
    out.push(...table(group, r.backends, '##'));
  for (const n of [...footnotes(r.backends), ...transportFootnotes(r.backends)]) out.push(md`${n}  `);
  out.push(md``);
  const rows = phaseRows(r.backends);
  if (rows.length > 0) {
    out.push(r.faults.length ? md`## Faults` : md`## Steps`, md``);
    for (const f of r.faults) {
      const span = f.endMs === null ? md`, to the end of the run` : md` for ${seconds(f.endMs - f.atMs)}s`;
      out.push(md`- ${f.name}: at ${seconds(f.atMs)}s${span} (target ${f.target})`);
    }
    out.push(md``, md`${TIME_BASE}`, md``);
    for (const group of PHASE_GROUPS) out.push(...table(group, rows, '###'));
    for (const n of phaseFootnotes()) out.push(md`${n}  `);
    out.push(md``);
  }
  for (const t of topologyTables(r.backends)) {
    out.push(...table(t, t.rows, '##'));
    for (const n of t.notes) out.push(md`${n}  `);
    out.push(md``);
  }
  if (r.thresholds.length > 0) {
    const failed = r.thresholds.filter((t) => !t.ok).length;
    const total = r.thresholds.length;
    out.push(md`## Thresholds`, md``, failed ? md`**${failed} of ${total} failed.**` : md`All ${total} passed.`, md``);
    out.push(md`| backend | metric | phase | threshold | observed | verdict |`, md`|---|---|---|---|---:|---|`);
    for (const t of r.thresholds) {
      const verdict = t.ok ? md`pass` : md`**FAIL**`;
      const observed = formatMetric(t.metric, t.observed);
      out.push(md`| ${t.backend} | ${t.metric} | ${t.phase ?? 'run'} | ${t.threshold} | ${observed} | ${verdict} |`);
    }
    out.push(md``);
  }
  if (r.abortedBy) out.push(md`> **Ended early**: ${r.abortedBy}`, md``);
  const s = r.scenario;
  const env = r.environment;
  const transport = typeof s.load.transport === 'string' ? s.load.transport : s.load.transport.type;
  out.push(md`## Run`, md``);
  out.push(md`- Scenario: ${r.scenarioFile}, seed ${r.seed}`);
  out.push(md`- Cluster: ${s.cluster.instances} instances, routing ${s.cluster.routing}, transport ${transport}`);
  out.push(md`- Started ${r.startedAt}, finished ${r.finishedAt}`);
  const redis = md`Redis ${env.redisVersion ?? 'not used'} (${env.redisMode})`;
  out.push(md`- Machine: ${env.cpuModel} × ${env.cpuCount}, ${env.platform}, Node ${env.node}, ${redis}`);
  out.push(md`- sessbench ${r.tool.version}, results schema ${r.schemaVersion}`);
  if (r.warnings.length) {
    out.push(md``, md`## Warnings`, md``);
    for (const w of r.warnings) out.push(md`- ${w}`);
  }
  out.push(md``);
  return out.map((f) => f.text).join('\n');
}

export const markdownReporter = { name: 'md', file: 'report.md', render: renderMarkdown } satisfies Reporter;
