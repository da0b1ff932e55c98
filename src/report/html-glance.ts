/**
 * The at-a-glance charts of report.html: one small horizontal bar chart per headline figure (p99,
 * turn loss, session loss, turns/s), a bar per backend, as static SVG. No script, so they show in
 * any viewer and in print; sizes are SVG attributes, so the page's CSP needs no inline styles.
 */
import type { BackendResult } from '../results/schema.js';
import { type Fragment, html } from './escape.js';
import { NO_DATA, formatMs, formatNumber, formatPct } from './format.js';

/** Backend colours, shared with the time charts (html-app.ts uses the same order). */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
];

interface Figure {
  title: string;
  /** Which way is better, said under the title. */
  better: 'lower' | 'higher';
  value(b: BackendResult): number | null;
  format(x: number | null): string;
}

const FIGURES: readonly Figure[] = [
  { title: 'p99 latency', better: 'lower', value: (b) => b.latencyMs.p99, format: (x) => `${formatMs(x)} ms` },
  { title: 'turn loss', better: 'lower', value: (b) => b.rates.turnLoss, format: formatPct },
  { title: 'session loss', better: 'lower', value: (b) => b.rates.sessionLoss, format: formatPct },
  {
    title: 'turns per second',
    better: 'higher',
    value: (b) => b.throughput.achievedTurnsPerSec,
    format: (x) => formatNumber(x, 1),
  },
];

const WIDTH = 320;
const LABEL = 110;
const VALUE = 70;
const ROW = 22;

function chart(f: Figure, backends: readonly BackendResult[]): Fragment {
  const values = backends.map((b) => f.value(b));
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const height = 30 + backends.length * ROW;
  const bars = backends.map((b, i) => {
    const v = values[i] ?? null;
    const y = 26 + i * ROW;
    const w = v === null || max === 0 ? 0 : Math.max(1, Math.round(((WIDTH - LABEL - VALUE) * v) / max));
    const label = b.label.length > 16 ? `${b.label.slice(0, 15)}…` : b.label;
    const colour = PALETTE[i % PALETTE.length];
    return [
      html`<text x="0" y="${y + 13}">${label}</text>`,
      html`<rect x="${LABEL}" y="${y}" width="${w}" height="16" fill="${colour}"></rect>`,
      html`<text x="${LABEL + w + 4}" y="${y + 13}">${v === null ? NO_DATA : f.format(v)}</text>`,
    ];
  });
  const svg = html`viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"`;
  const head = [
    html`<text x="0" y="14" class="t">${f.title}</text>`,
    html`<text x="${WIDTH}" y="14" text-anchor="end" class="m">${f.better} is better</text>`,
  ];
  const label = `${f.title} by backend`;
  return html`<figure class="glance"><svg ${svg} role="img" aria-label="${label}">${head}${bars}</svg></figure>`;
}

/** The four headline figures side by side, one bar per backend. */
export function glance(backends: readonly BackendResult[]): Fragment {
  return html`<div class="glances">${FIGURES.map((f) => chart(f, backends))}</div>`;
}
