/**
 * A baseline comparison as Markdown, for a pull-request comment or the CI job summary.
 */
import type { Change, compareRuns } from '../gates/compare.js';
import type { RunResults } from '../results/schema.js';
import { formatMetric } from './format.js';
import { mdEscape } from './markdown.js';

function signed(c: Change): string {
  const abs = formatMetric(c.metric, Math.abs(c.delta));
  return `${c.delta > 0 ? '+' : c.delta < 0 ? '−' : '±'}${abs}`;
}

function verdict(c: Change): string {
  if (c.failed.length) return `**FAIL** (${c.failed.join(', ')})`;
  if (!c.significant) return '';
  return c.worse ? '▲ worse' : '▼ better';
}

/** One line per regression beyond a --fail-on limit, for the terminal. */
export function regressionLines(cmp: ReturnType<typeof compareRuns>): string[] {
  return cmp.changes
    .filter((c) => c.failed.length > 0)
    .map(
      (c) =>
        `regression: ${c.backend} ${c.metric} ${formatMetric(c.metric, c.base)} → ` +
        `${formatMetric(c.metric, c.next)} (${c.failed.join(', ')})`,
    );
}

export function renderComparison(
  base: RunResults,
  next: RunResults,
  cmp: ReturnType<typeof compareRuns>,
  onlySignificant = false,
): string {
  const out: string[] = [];
  const worse = cmp.changes.filter((c) => c.significant && c.worse);
  const failed = cmp.changes.filter((c) => c.failed.length > 0);
  out.push(`## sessbench: ${mdEscape(next.scenario.name)} compared with the baseline`, '');
  out.push(
    `Base: ${mdEscape(base.startedAt)} (seed ${base.seed}). New: ${mdEscape(next.startedAt)} (seed ${next.seed}).`,
    '',
  );
  out.push(
    failed.length
      ? `**${failed.length} regression${failed.length === 1 ? '' : 's'} beyond the allowed limits.**`
      : worse.length
        ? `${worse.length} significant change${worse.length === 1 ? '' : 's'} for the worse, none beyond a --fail-on limit.`
        : 'No significant change for the worse.',
    '',
  );
  const rows = onlySignificant ? cmp.changes.filter((c) => c.significant) : cmp.changes;
  if (rows.length) {
    out.push('| backend | metric | base | new | Δ | Δ % | |', '|---|---|---:|---:|---:|---:|---|');
    for (const c of rows) {
      const pct = c.deltaPct === null ? '' : `${c.deltaPct >= 0 ? '+' : '−'}${Math.abs(c.deltaPct * 100).toFixed(1)} %`;
      out.push(
        `| ${mdEscape(c.backend)} | ${c.metric} | ${formatMetric(c.metric, c.base)} | ${formatMetric(c.metric, c.next)} | ${signed(c)} | ${pct} | ${verdict(c)} |`,
      );
    }
    out.push('');
  }
  out.push(
    'Significant: larger than 3 standard errors of the noise both runs show (per-second series for latency and ' +
      'throughput, binomial error for rates), or more than 10 % where there is no noise model.',
    '',
  );
  if (cmp.onlyIn.base.length) out.push(`Only in the base: ${cmp.onlyIn.base.map(mdEscape).join(', ')}.`, '');
  if (cmp.onlyIn.next.length) out.push(`Only in the new run: ${cmp.onlyIn.next.map(mdEscape).join(', ')}.`, '');
  return out.join('\n');
}
