/**
 * The capacity curve of report.html: p99 latency against achieved turns per second, one line per
 * backend through its steps, the SLO as a dashed line: the hockey stick of the source articles'
 * load tables. Static SVG (no script), so it shows in any viewer and in print.
 */
import type { BackendResult } from '../results/schema.js';
import { type Fragment, html } from './escape.js';
import { PALETTE } from './html-glance.js';

const W = 640;
const H = 300;
const LEFT = 56;
const BOTTOM = 36;
const TOP = 16;
const RIGHT = 12;

/** About five round tick values from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const unit = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * unit).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => Math.round(i * step * 1000) / 1000);
}

type Step = NonNullable<BackendResult['capacity']>['steps'][number];

/** The steps a backend has both figures for. */
const drawn = (b: BackendResult): Step[] =>
  b.capacity?.steps.filter((s) => s.achievedTurnsPerSec !== null && s.p99Ms !== null) ?? [];

export function capacityChart(backends: readonly BackendResult[]): Fragment | undefined {
  const searched = backends.filter((b) => b.capacity);
  if (searched.length === 0) return undefined;
  const points = searched.flatMap(drawn);
  const slo = searched[0]!.capacity!.sloP99Ms;
  const maxX = Math.max(1, ...points.map((s) => s.achievedTurnsPerSec!)) * 1.05;
  const maxY = Math.max(slo * 1.2, ...points.map((s) => s.p99Ms!)) * 1.05;
  const x = (v: number) => LEFT + ((W - LEFT - RIGHT) * v) / maxX;
  const y = (v: number) => H - BOTTOM - ((H - BOTTOM - TOP) * v) / maxY;
  const base = H - BOTTOM;
  const middle = TOP + base / 2;
  const axes = [
    ...ticks(maxX).map((t) => [
      html`<line x1="${x(t)}" y1="${base}" x2="${x(t)}" y2="${base + 4}" class="ax"></line>`,
      html`<text x="${x(t)}" y="${base + 16}" text-anchor="middle">${t}</text>`,
    ]),
    ...ticks(maxY).map((t) => [
      html`<line x1="${LEFT - 4}" y1="${y(t)}" x2="${W - RIGHT}" y2="${y(t)}" class="grid"></line>`,
      html`<text x="${LEFT - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    ]),
    html`<line x1="${LEFT}" y1="${y(slo)}" x2="${W - RIGHT}" y2="${y(slo)}" class="slo"></line>`,
    html`<text x="${W - RIGHT}" y="${y(slo) - 4}" text-anchor="end" class="m">SLO p99 ${slo} ms</text>`,
    html`<text x="${(LEFT + W) / 2}" y="${H - 4}" text-anchor="middle" class="m">achieved turns per second</text>`,
    html`<text x="12" y="${middle}" transform="rotate(-90 12 ${middle})" text-anchor="middle" class="m">p99 ms</text>`,
  ];
  const lines = searched.map((b, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const steps = drawn(b);
    const path = steps.map((s) => `${x(s.achievedTurnsPerSec!).toFixed(1)},${y(s.p99Ms!).toFixed(1)}`).join(' ');
    const dots = steps.map((s) => {
      const title = `${b.label} at ${s.rate}/s: ${s.achievedTurnsPerSec} turns/s, p99 ${s.p99Ms} ms`;
      const at = html`cx="${x(s.achievedTurnsPerSec!)}" cy="${y(s.p99Ms!)}"`;
      const fill = s.sustained ? colour : 'white';
      return html`<circle ${at} r="3" fill="${fill}" stroke="${colour}"><title>${title}</title></circle>`;
    });
    const legendY = TOP + 14 * (i + 1);
    return [
      html`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.5"></polyline>`,
      dots,
      html`<rect x="${LEFT + 8}" y="${legendY - 9}" width="10" height="10" fill="${colour}"></rect>`,
      html`<text x="${LEFT + 22}" y="${legendY}">${b.label}</text>`,
    ];
  });
  const svg = html`viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="p99 against throughput"`;
  return html`<figure class="capacity"><svg ${svg}>${axes}${lines}</svg></figure>`;
}
