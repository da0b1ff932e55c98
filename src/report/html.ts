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
import type { BackendResult, RunResults } from '../results/schema.js';
import { COLUMNS, PHASE_COLUMNS, footnotes, phaseFootnotes, phaseRows } from './columns.js';
import { HTML_APP } from './html-app.js';
import { formatMetric } from './format.js';
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

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
    backends: r.backends.map((b) => ({ label: b.label, series: b.series })),
    faults: r.faults.map((f) => ({
      startSec: f.atMs / 1000 - warmupSec,
      endSec: f.endMs === null ? null : f.endMs / 1000 - warmupSec,
    })),
    spectrum: spectrum(r.backends),
    redis: {
      labels: redisBackends.map((b) => b.label),
      reads: redisBackends.map((b) => b.redis!.readsPerTurn),
      writes: redisBackends.map((b) => b.redis!.writesPerTurn),
    },
  };
}

function table<R>(
  columns: readonly { title: string; numeric: boolean; value(r: R): string }[],
  rows: readonly R[],
  rowClass?: (r: R) => string,
): string {
  const head = columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${htmlEscape(c.title)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cls = rowClass?.(r);
      return `<tr${cls ? ` class="${cls}"` : ''}>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${htmlEscape(c.value(r))}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5b6470; --line: #d8dee4; --bad: #b42318; --ok: #067647; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1160px; padding: 16px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.card { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 4px 24px; color: var(--muted); margin: 8px 0 0; }
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
  body { max-width: none; padding: 0; } .chart { break-inside: avoid; overflow: visible; } h2 { break-after: avoid; } .u-legend { font-size: 10px; }
  .scroll { overflow: visible; } table { white-space: normal; font-size: 10px; }
  /* Charts were drawn for the screen: scale each canvas (axes included) to the paper's width. */
  .uplot, .u-wrap { width: 100% !important; height: auto !important; }
  .u-wrap canvas { width: 100% !important; height: auto !important; position: static !important; }
  .u-over, .u-under { display: none; }
}
`;

function render(r: RunResults): string {
  const { js, css } = uplotFiles();
  const styles = `${css}\n${STYLE}`;
  const csp = `default-src 'none'; script-src ${sha256(js)} ${sha256(HTML_APP)}; style-src ${sha256(styles)}; img-src data:; base-uri 'none'; form-action 'none'; connect-src 'none'`;
  const env = r.environment;
  const durationSec = Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000);
  const warnings = [...r.warnings];
  if (r.interrupted) warnings.unshift('This run was interrupted: the results are partial.');
  const failed = r.thresholds.filter((t) => !t.ok).length;
  const rows = phaseRows(r.backends);
  const parts: string[] = [];
  parts.push(`<header><h1>sessbench: ${htmlEscape(r.scenario.name)}</h1>`);
  if (r.scenario.description) parts.push(`<p>${htmlEscape(r.scenario.description)}</p>`);
  parts.push(`<div class="card">
<div>scenario <b>${htmlEscape(r.scenarioFile)}</b></div>
<div>seed <b>${r.seed}</b></div>
<div>started <b>${htmlEscape(r.startedAt)}</b>, ${durationSec}s</div>
<div>cluster <b>${r.scenario.cluster.instances} instances, ${htmlEscape(r.scenario.cluster.routing)}</b></div>
<div>machine <b>${htmlEscape(env.cpuModel)} × ${env.cpuCount}</b></div>
<div>Node <b>${htmlEscape(env.node)}</b>, Redis <b>${htmlEscape(env.redisVersion ?? 'not used')}</b></div>
<div>sessbench <b>${htmlEscape(r.tool.version)}</b></div>
<div>thresholds <b class="${failed ? 'bad' : 'pass'}">${r.thresholds.length === 0 ? 'none' : failed ? `${failed} of ${r.thresholds.length} failed` : `all ${r.thresholds.length} passed`}</b></div>
</div></header>`);
  for (const w of warnings) parts.push(`<div class="warn">${htmlEscape(w)}</div>`);
  parts.push('<main><h2>Comparison</h2>', table(COLUMNS, r.backends));
  for (const n of footnotes(r.backends)) parts.push(`<p class="note">${htmlEscape(n)}</p>`);
  if (rows.length > 0) {
    parts.push('<h2>Phases</h2><ul class="note">');
    for (const f of r.faults)
      parts.push(
        `<li>${htmlEscape(f.name)}: at ${f.atMs / 1000}s${f.endMs === null ? ', to the end' : ` for ${(f.endMs - f.atMs) / 1000}s`} (target ${htmlEscape(f.target)})</li>`,
      );
    parts.push(
      '</ul>',
      table(PHASE_COLUMNS, rows, (x) => (x.phase.kind === 'fault' ? 'fault' : '')),
    );
    for (const n of phaseFootnotes()) parts.push(`<p class="note">${htmlEscape(n)}</p>`);
  }
  if (r.thresholds.length > 0) {
    parts.push(
      '<h2>Thresholds</h2>',
      table(
        [
          { title: 'backend', numeric: false, value: (t: RunResults['thresholds'][number]) => t.backend },
          { title: 'metric', numeric: false, value: (t) => t.metric },
          { title: 'phase', numeric: false, value: (t) => t.phase ?? 'run' },
          { title: 'threshold', numeric: false, value: (t) => t.threshold },
          { title: 'observed', numeric: true, value: (t) => formatMetric(t.metric, t.observed) },
          { title: 'verdict', numeric: false, value: (t) => (t.ok ? 'pass' : 'FAIL') },
        ],
        r.thresholds,
        (t) => (t.ok ? '' : 'fail'),
      ),
    );
  }
  parts.push('<h2>Charts</h2>');
  if (r.faults.length) parts.push('<p class="note">Shaded: fault windows.</p>');
  for (const id of ['throughput', 'latency', 'events', 'spectrum'])
    parts.push(`<div class="chart" id="chart-${id}"></div>`);
  if (r.backends.some((b) => b.redis)) parts.push('<div class="chart" id="chart-redis"></div>');
  parts.push('</main>');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>sessbench: ${htmlEscape(r.scenario.name)}</title>
<style>${styles}</style>
</head>
<body>
${parts.join('\n')}
<script type="application/json" id="sessbench-data">${scriptJson(chartData(r))}</script>
<script>${js}</script>
<script>${HTML_APP}</script>
</body>
</html>
`;
}

export const htmlReporter = { name: 'html', file: 'report.html', render } satisfies Reporter;
