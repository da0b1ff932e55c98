/**
 * Figures as every view writes them: milliseconds, percentages, sizes, and a metric in its own
 * unit. Shared by the reporters and the command line, so a value reads the same everywhere.
 */
import { METRICS, type MetricName } from '../results/metrics.js';

/** What every view prints for a figure over no data. */
export const NO_DATA = '–';

export function formatPct(x: number | null | undefined): string {
  if (x === null || x === undefined) return NO_DATA;
  if (x === 0) return '0 %';
  const p = x * 100;
  return `${p < 0.1 ? p.toFixed(3) : p < 10 ? p.toFixed(2) : p.toFixed(1)} %`;
}

export function formatMs(x: number | null | undefined): string {
  if (x === null || x === undefined) return NO_DATA;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return NO_DATA;
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A number with `digits` decimals, or "–" for no data. */
export function formatNumber(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined ? NO_DATA : x.toFixed(digits);
}

/** A metric value written in its own unit: "12.3ms", "0.50%", "1.2 MiB", "3.5"; "no data" for null. */
export function formatMetric(metric: MetricName, value: number | null): string {
  if (value === null) return 'no data';
  switch (METRICS[metric].kind) {
    case 'duration':
      return `${formatMs(value)}ms`;
    case 'ratio':
      return formatPct(value).replace(' ', '');
    case 'bytes':
      return formatBytes(value);
    default:
      return String(Math.round(value * 1000) / 1000);
  }
}
