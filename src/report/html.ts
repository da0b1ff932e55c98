/**
 * report.html: one self-contained file that opens offline. The tables are rendered here with every
 * string escaped; the charts are drawn in the browser by uPlot (inlined) from data embedded as JSON
 * with every "<" escaped. A Content-Security-Policy allows only the inline script and style whose
 * hashes it names, and no network at all. Deterministic: the same results give the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import hdr from 'hdr-histogram-js';
import type { BackendResult, RunResults, ThresholdResult } from '../results/schema.js';
import {
  backendGroups,
  type ColumnGroup,
  PHASE_GROUPS,
  TIME_BASE,
  footnotes,
  phaseFootnotes,
  phaseRows,
} from './columns.js';
import { type Fragment, html, trusted } from './escape.js';
import { formatMetric } from './format.js';
import { HTML_APP } from './html-app.js';
import { transportFootnotes, transportGroups } from './transport-columns.js';
import { capacityChart } from './html-capacity.js';
import { glance } from './html-glance.js';
import { topologyTables } from './topology.js';
import type { Reporter } from './types.js';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;

/** uPlot's browser build and stylesheet, from the installed package. */
function uplotFiles(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

/** JSON that is safe inside <script>: no "<" can close the element or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const SPECTRUM = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999];

/** Percentile → latency (ms) per backend, from the stored HdrHistograms. */
function spectrum(backends: readonly BackendResult[]) {
  const out: { label: string; values: (number | null)[] }[] = [];
  for (const b of backends) {
    let values: (number | null)[] = SPECTRUM.map(() => null);
    try {
      const h = hdr.decodeFromCompressedBase64(b.latencyHistogram, 32, false);
      if (h.totalCount > 0) values = SPECTRUM.map((p) => Math.max(0.001, h.getValueAtPercentile(p) / 1000));
      h.destroy();
    } catch {
      // A results file without a readable histogram still renders, without this series.
    }
    out.push({ label: b.label, values });
  }
  return { percentiles: SPECTRUM, backends: out };
}

function chartData(r: RunResults) {
  const warmupSec = r.scenario.load.warmup / 1000;
  const redisBackends = r.backends.filter((b) => b.redis);
  return {
    // The measurement runs from the end of warmup to endSec; the second it ends in is partial, not drawn.
    backends: r.backends.map((b) => ({
      label: b.label,
      series: b.series,
      startSec: warmupSec,
      endSec: warmupSec + b.throughput.windowSec,
    })),
    faults: r.faults.map((f) => ({ startSec: f.atMs / 1000, endSec: f.endMs === null ? null : f.endMs / 1000 })),
    // Failovers and migrations, per backend: shaded in another colour.
    marks: r.backends.flatMap((b) =>
      (b.redisTopology?.events ?? []).map((e) => ({
        startSec: e.t,
        endSec: e.durationMs === null ? null : e.t + Math.max(e.durationMs, 100) / 1000,
      })),
    ),
    spectrum: spectrum(r.backends),
    redis: {
      labels: redisBackends.map((b) => b.label),
      reads: redisBackends.map((b) => b.redis!.readsPerTurn),
      writes: redisBackends.map((b) => b.redis!.writesPerTurn),
    },
  };
}

function table<R>(group: ColumnGroup<R>, rows: readonly R[], rowClass?: (r: R) => string): Fragment {
  const cls = (numeric: boolean) => (numeric ? html` class="num"` : html``);
  const head = group.columns.map((c) => html`<th${cls(c.numeric)}>${c.title}</th>`);
  const body = rows.map((r) => {
    const rc = rowClass?.(r);
    const cells = group.columns.map((c) => html`<td${cls(c.numeric)}>${c.value(r)}</td>`);
    return html`<tr${rc ? html` class="${rc}"` : html``}>${cells}</tr>\n`;
  });
  return html`<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}</tbody></table></div>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5b6470; --line: #d8dee4; --bad: #b42318; --ok: #067647; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
body { margin: 0 auto; max-width: 1160px; padding: 16px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.card { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 4px 24px; }
.card { color: var(--muted); margin: 8px 0 0; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.glances { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.glance { margin: 0; max-width: 100%; break-inside: avoid; }
.glance svg, .capacity svg { max-width: 100%; height: auto; font-size: 12px; }
.capacity { margin: 8px 0; } .capacity .grid { stroke: #eef1f4; } .capacity .ax { stroke: #999; }
.capacity .slo { stroke: #b42318; stroke-dasharray: 5 4; }
.capacity text { fill: var(--fg); } .capacity .m { fill: var(--muted); }
.glance text { fill: var(--fg); } .glance .t { font-weight: 600; } .glance .m { fill: var(--muted); font-size: 11px; }
.card b { color: var(--fg); font-weight: 600; }
.warn { background: #fff4e5; border: 1px solid #f5c07a; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; white-space: nowrap; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th { font-weight: 600; background: #f6f8fa; }
.num { text-align: right; }
tr.fail td { color: var(--bad); font-weight: 600; }
tr.fault td:nth-child(2) { color: #8a1c7c; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0; max-width: 900px; }
.chart { margin: 12px 0 20px; min-height: 240px; break-inside: avoid; max-width: 100%; overflow-x: auto; }
.uplot { max-width: 100%; }
.u-legend { max-width: 100%; white-space: normal; }
.u-legend.u-inline tr { display: inline-block; }
.pass { color: var(--ok); } .bad { color: var(--bad); }
@media (max-width: 700px) { body { padding: 8px; font-size: 13px; } th, td { padding: 3px 6px; } }
@media print {
  body { max-width: none; padding: 0; } .chart { break-inside: avoid; overflow: visible; }
  h2 { break-after: avoid; } .u-legend { font-size: 10px; }
  .scroll { overflow: visible; } table { white-space: normal; font-size: 10px; }
  /* Charts were drawn for the screen: scale each canvas (axes included) to the paper's width. */
  .uplot, .u-wrap { width: 100% !important; height: auto !important; }
  .u-wrap canvas { width: 100% !important; height: auto !important; position: static !important; }
  .u-over, .u-under { display: none; }
}
`;

const THRESHOLDS: ColumnGroup<ThresholdResult> = {
  title: 'Thresholds',
  columns: [
    { title: 'backend', numeric: false, value: (t) => t.backend },
    { title: 'metric', numeric: false, value: (t) => t.metric },
    { title: 'phase', numeric: false, value: (t) => t.phase ?? 'run' },
    { title: 'threshold', numeric: false, value: (t) => t.threshold },
    { title: 'observed', numeric: true, value: (t) => formatMetric(t.metric, t.observed) },
    { title: 'verdict', numeric: false, value: (t) => (t.ok ? 'pass' : 'FAIL') },
  ],
};

function card(r: RunResults): Fragment {
  const env = r.environment;
  const durationSec = Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000);
  const failed = r.thresholds.filter((t) => !t.ok).length;
  const total = r.thresholds.length;
  const verdict = total === 0 ? 'none' : failed ? `${failed} of ${total} failed` : `all ${total} passed`;
  const cluster = `${r.scenario.cluster.instances} instances, ${r.scenario.cluster.routing}`;
  return html`<div class="card">
<div>scenario <b>${r.scenarioFile}</b></div>
<div>seed <b>${r.seed}</b></div>
<div>started <b>${r.startedAt}</b>, ${durationSec}s</div>
<div>cluster <b>${cluster}</b></div>
<div>machine <b>${env.cpuModel} × ${env.cpuCount}</b></div>
<div>Node <b>${env.node}</b>, Redis <b>${env.redisVersion ?? 'not used'}</b></div>
<div>sessbench <b>${r.tool.version}</b></div>
<div>thresholds <b class="${failed ? 'bad' : 'pass'}">${verdict}</b></div>
</div>`;
}

function body(r: RunResults): Fragment[] {
  const warnings = [...r.warnings];
  if (r.interrupted) warnings.unshift('This run was interrupted: the results are partial.');
  const parts: Fragment[] = [html`<header><h1>sessbench: ${r.scenario.name}</h1>`];
  if (r.scenario.description) parts.push(html`<p>${r.scenario.description}</p>`);
  parts.push(card(r), html`</header>`);
  for (const w of warnings) parts.push(html`<div class="warn">${w}</div>`);
  parts.push(html`<main><h2>At a glance</h2>`, glance(r.backends));
  for (const group of [...backendGroups(r.backends), ...transportGroups(r.backends)])
    parts.push(html`<h2>${group.title}</h2>`, table(group, r.backends));
  for (const n of [...footnotes(r.backends), ...transportFootnotes(r.backends)])
    parts.push(html`<p class="note">${n}</p>`);
  const curve = capacityChart(r.backends);
  if (curve)
    parts.push(html`<h2>Capacity curve</h2><p class="note">Each point is a step; hollow: over the SLO.</p>`, curve);
  const rows = phaseRows(r.backends);
  if (rows.length > 0) {
    parts.push(html`<h2>${r.faults.length ? 'Phases' : 'Steps'}</h2><ul class="note">`);
    for (const f of r.faults) {
      const span = f.endMs === null ? ', to the end' : ` for ${(f.endMs - f.atMs) / 1000}s`;
      parts.push(html`<li>${f.name}: at ${f.atMs / 1000}s${span} (target ${f.target})</li>`);
    }
    parts.push(html`</ul><p class="note">${TIME_BASE}</p>`);
    for (const group of PHASE_GROUPS) {
      parts.push(
        html`<h3>${group.title}</h3>`,
        table(group, rows, (x) => (x.phase.kind === 'fault' ? 'fault' : '')),
      );
    }
    for (const n of phaseFootnotes()) parts.push(html`<p class="note">${n}</p>`);
  }
  for (const t of topologyTables(r.backends)) {
    parts.push(html`<h2>${t.title}</h2>`, table(t, t.rows));
    for (const n of t.notes) parts.push(html`<p class="note">${n}</p>`);
  }
  if (r.thresholds.length > 0) {
    parts.push(
      html`<h2>Thresholds</h2>`,
      table(THRESHOLDS, r.thresholds, (t) => (t.ok ? '' : 'fail')),
    );
  }
  parts.push(html`<h2>Charts</h2><p class="note">${TIME_BASE}${r.faults.length ? ' Shaded: fault windows.' : ''}</p>`);
  if (r.backends.some((b) => b.redisTopology?.events.length))
    parts.push(html`<p class="note">Shaded blue: failovers and migrations, from their start to their end.</p>`);
  for (const id of ['throughput', 'latency', 'events', 'spectrum'])
    parts.push(html`<div class="chart" id="chart-${id}"></div>`);
  if (r.backends.some((b) => b.redis)) parts.push(html`<div class="chart" id="chart-redis"></div>`);
  parts.push(html`</main>`);
  return parts;
}

function render(r: RunResults): string {
  const { js, css } = uplotFiles();
  const styles = `${css}\n${STYLE}`;
  const csp =
    `default-src 'none'; script-src ${sha256(js)} ${sha256(HTML_APP)}; style-src ${sha256(styles)}; ` +
    "img-src data:; base-uri 'none'; form-action 'none'; connect-src 'none'";
  const data = trusted('html', scriptJson(chartData(r)));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>sessbench: ${r.scenario.name}</title>
<style>${trusted('html', styles)}</style>
</head>
<body>
${body(r).map((p) => html`${p}\n`)}<script type="application/json" id="sessbench-data">${data}</script>
<script>${trusted('html', js)}</script>
<script>${trusted('html', HTML_APP)}</script>
</body>
</html>
`.text;
}

export const htmlReporter = { name: 'html', file: 'report.html', render } satisfies Reporter;
