/**
 * A baseline comparison as Markdown, for a pull-request comment or the CI job summary. Every value
 * goes through the `md` tag.
 */
import type { Change, Comparison } from '../gates/compare.js';
import type { RunResults } from '../results/schema.js';
import { type Fragment, md, terminalText } from './escape.js';
import { formatMetric } from './format.js';

const SIGNIFICANT =
  'Significant: larger than 3 standard errors of the noise both runs show (per-second series for latency and ' +
  'throughput, binomial error for rates), or more than 10 % where there is no noise model. Throughput in turns/s ' +
  'is judged only when both runs offered the same load; goodput (answered / sent) always.';

function signed(c: Change): string {
  const abs = formatMetric(c.metric, Math.abs(c.delta));
  return `${c.delta > 0 ? '+' : c.delta < 0 ? '−' : '±'}${abs}`;
}

function verdict(c: Change): Fragment {
  if (c.failed.length) return md`**FAIL** (${c.failed.join(', ')})`;
  if (c.note) return md`${c.note}`;
  if (!c.significant) return md``;
  return c.worse ? md`▲ worse` : md`▼ better`;
}

/** One line per regression beyond a --fail-on limit, for the terminal. */
export function regressionLines(cmp: Comparison): string[] {
  return cmp.changes
    .filter((c) => c.failed.length > 0)
    .map(
      (c) =>
        `regression: ${terminalText(c.backend)} ${c.metric} ${formatMetric(c.metric, c.base)} → ` +
        `${formatMetric(c.metric, c.next)} (${c.failed.join(', ')})`,
    );
}

function summary(cmp: Comparison): Fragment {
  const worse = cmp.changes.filter((c) => c.significant && c.worse).length;
  const failed = cmp.changes.filter((c) => c.failed.length > 0).length;
  if (failed) return md`**${failed} regression${failed === 1 ? '' : 's'} beyond the allowed limits.**`;
  if (worse)
    return md`${worse} significant change${worse === 1 ? '' : 's'} for the worse, none beyond a --fail-on limit.`;
  return md`No significant change for the worse.`;
}

export function renderComparison(base: RunResults, next: RunResults, cmp: Comparison, onlySignificant = false): string {
  const out: Fragment[] = [];
  out.push(md`## sessbench: ${next.scenario.name} compared with the baseline`, md``);
  out.push(md`Base: ${base.startedAt} (seed ${base.seed}). New: ${next.startedAt} (seed ${next.seed}).`, md``);
  if (cmp.incomparable.length) {
    out.push(md`> **Not comparable**: ${cmp.incomparable.join('; ')}. The figures below differ for those reasons too.`);
    out.push(md``);
  }
  out.push(summary(cmp), md``);
  const rows = onlySignificant ? cmp.changes.filter((c) => c.significant) : cmp.changes;
  if (rows.length) {
    out.push(md`| backend | metric | base | new | Δ | Δ % | |`, md`|---|---|---:|---:|---:|---:|---|`);
    for (const c of rows) {
      const sign = c.deltaPct !== null && c.deltaPct < 0 ? '−' : '+';
      const pct = c.deltaPct === null ? '' : `${sign}${Math.abs(c.deltaPct * 100).toFixed(1)} %`;
      const [a, b] = [formatMetric(c.metric, c.base), formatMetric(c.metric, c.next)];
      out.push(md`| ${c.backend} | ${c.metric} | ${a} | ${b} | ${signed(c)} | ${pct} | ${verdict(c)} |`);
    }
    out.push(md``);
  }
  out.push(md`${SIGNIFICANT}`, md``);
  if (cmp.noData.length) {
    const list = cmp.noData.map(
      (n) => `${n.backend} ${n.metric} (${n.side === 'both' ? 'neither run' : `the ${n.side} run`})`,
    );
    out.push(md`No data, left out: ${list.join(', ')}.`, md``);
  }
  if (cmp.onlyIn.base.length) out.push(md`Only in the base: ${cmp.onlyIn.base.join(', ')}.`, md``);
  if (cmp.onlyIn.next.length) out.push(md`Only in the new run: ${cmp.onlyIn.next.join(', ')}.`, md``);
  return out.map((f) => f.text).join('\n');
}
