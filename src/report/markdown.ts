/**
 * report.md: the comparison table in Markdown, shaped like the tables in the source articles
 * (strategy, latency, session loss, …), followed by the run's facts.
 */
import type { RunResults } from '../results/schema.js';
import { COLUMNS, PHASE_COLUMNS, footnotes, phaseFootnotes, phaseRows } from './columns.js';
import { formatMetric } from './format.js';
import type { Reporter } from './types.js';

/**
 * Markdown-escape text from the scenario or environment for use inside a line or a table cell:
 * emphasis, code, links, HTML and cell separators. (Nothing user-supplied starts a line.)
 */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function renderMarkdown(results: RunResults): string {
  const out: string[] = [];
  out.push(`# sessbench: ${mdEscape(results.scenario.name)}`, '');
  if (results.scenario.description) out.push(mdEscape(results.scenario.description), '');
  if (results.interrupted) out.push('> **Interrupted**: these are partial results.', '');
  out.push(`| ${COLUMNS.map((c) => c.title).join(' | ')} |`);
  out.push(`|${COLUMNS.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`);
  for (const b of results.backends) out.push(`| ${COLUMNS.map((c) => mdEscape(c.value(b))).join(' | ')} |`);
  out.push('');
  for (const n of footnotes(results.backends)) out.push(`${mdEscape(n)}  `);
  out.push('');
  const rows = phaseRows(results.backends);
  if (rows.length > 0) {
    out.push('## Faults', '');
    for (const f of results.faults) {
      out.push(
        `- ${mdEscape(f.name)}: at ${f.atMs / 1000}s${f.endMs === null ? ', to the end of the run' : ` for ${(f.endMs - f.atMs) / 1000}s`} (target ${mdEscape(f.target)})`,
      );
    }
    out.push(
      '',
      `| ${PHASE_COLUMNS.map((c) => c.title).join(' | ')} |`,
      `|${PHASE_COLUMNS.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`,
    );
    for (const r of rows) out.push(`| ${PHASE_COLUMNS.map((c) => mdEscape(c.value(r))).join(' | ')} |`);
    out.push('');
    for (const n of phaseFootnotes()) out.push(`${mdEscape(n)}  `);
    out.push('');
  }
  if (results.thresholds.length > 0) {
    const failed = results.thresholds.filter((t) => !t.ok).length;
    out.push(
      '## Thresholds',
      '',
      failed ? `**${failed} of ${results.thresholds.length} failed.**` : `All ${results.thresholds.length} passed.`,
      '',
    );
    out.push('| backend | metric | phase | threshold | observed | verdict |', '|---|---|---|---|---:|---|');
    for (const t of results.thresholds) {
      out.push(
        `| ${mdEscape(t.backend)} | ${t.metric} | ${t.phase ? mdEscape(t.phase) : 'run'} | ${mdEscape(t.threshold)} | ${mdEscape(formatMetric(t.metric, t.observed))} | ${t.ok ? 'pass' : '**FAIL**'} |`,
      );
    }
    out.push('');
  }
  if (results.abortedBy) out.push(`> **Ended early**: ${mdEscape(results.abortedBy)}`, '');
  const s = results.scenario;
  const env = results.environment;
  out.push('## Run', '');
  out.push(`- Scenario: \`${results.scenarioFile.replace(/`/g, "'")}\`, seed ${results.seed}`);
  out.push(`- Cluster: ${s.cluster.instances} instances, routing ${s.cluster.routing}, transport ${s.load.transport}`);
  out.push(`- Started ${results.startedAt}, finished ${results.finishedAt}`);
  out.push(
    `- Machine: ${mdEscape(env.cpuModel)} × ${env.cpuCount}, ${env.platform}, Node ${env.node}, Redis ${env.redisVersion ?? 'not used'} (${env.redisMode})`,
  );
  out.push(`- sessbench ${results.tool.version}, results schema ${results.schemaVersion}`);
  if (results.warnings.length) {
    out.push('', '## Warnings', '');
    for (const w of results.warnings) out.push(`- ${mdEscape(w)}`);
  }
  out.push('');
  return out.join('\n');
}

export const markdownReporter = { name: 'md', file: 'report.md', render: renderMarkdown } satisfies Reporter;
