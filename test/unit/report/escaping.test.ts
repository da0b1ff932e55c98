/**
 * Hostile strings from a scenario or a results file (scenario and fault names, labels, warnings)
 * in the Markdown report and the terminal table: shown as text, never as markup, never as terminal
 * control sequences, and never breaking a table's columns.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderTerminal } from '../../../src/report/terminal.js';
import type { RunResults } from '../../../src/results/schema.js';
import { fixtureResults } from '../../helpers/fixtures.js';

const PLAIN = new Chalk({ level: 0 });
const NAME = 'evil | name\n# Pwned <script>alert(1)</script> `code` *bold* [x](http://e.vil) \x1b[2J\x1b]0;title\x07';
const FAULT = 'hic|cup\r\n## injected \x1b[31mred\x1b[0m <img src=x>';

function hostile(): RunResults {
  const r = fixtureResults({ name: NAME });
  r.scenario.description = 'line one\n# not a heading | <b>bold</b>';
  r.faults[0]!.name = FAULT;
  for (const b of r.backends) {
    b.label = `${b.label}|x\x1b[1m`;
    for (const p of b.phases) if (p.kind === 'fault') p.name = FAULT;
  }
  r.warnings = ['warn | <i>me</i>\n# also \x07'];
  r.thresholds = [{ backend: r.backends[1]!.label, metric: 'latency.p99', phase: FAULT, threshold: '< 1ms | <u>', observed: 25, ok: false }];
  r.abortedBy = 'abort | <s>';
  return r;
}

/** The cells of a Markdown table row: split at the pipes that are not escaped. */
const cells = (line: string) => line.split(/(?<!\\)\|/).length - 2;

describe('Markdown report', () => {
  const md = renderMarkdown(hostile());
  const lines = md.split('\n');

  it('keeps every table row to its header\'s columns', () => {
    const tables: string[][] = [];
    let current: string[] | undefined;
    for (const l of lines) {
      if (l.startsWith('|')) (current ??= (tables.push([]), tables.at(-1)!)).push(l);
      else current = undefined;
    }
    expect(tables.length).toBe(7); // four groups of the comparison, two of the phases, thresholds
    for (const t of tables) {
      const n = cells(t[0]!);
      for (const row of t) expect(cells(row), row).toBe(n);
    }
  });

  it('starts no line with user text: every heading is its own', () => {
    expect(lines.filter((l) => l.startsWith('#'))).toEqual([
      '# sessbench: evil \\| name \\# Pwned \\<script\\>alert(1)\\</script\\> \\`code\\` \\*bold\\* \\[x\\](http\\://e.vil) \\[2J\\]0;title',
      '## Latency and throughput',
      '## Sessions',
      '## Store',
      '## Stored sessions',
      '## Faults',
      '### Latency by phase',
      '### Sessions by phase',
      '## Thresholds',
      '## Run',
      '## Warnings',
    ]);
  });

  it('shows markup as text', () => {
    expect(md).not.toMatch(/(?<!\\)<\/?(script|img|b|i|s|u)\b/);
    expect(md).toContain('\\<img src=x\\>');
    expect(md).toContain('\\*bold\\*');
  });
});

describe('terminal table', () => {
  it('prints no control character from the results: escape sequences show as text', () => {
    const out = renderTerminal(hostile(), PLAIN, 1000);
    // Only line feeds separate the table's lines; nothing else below U+0020 or in C1.
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(out).toContain('hic|cup');
    expect(out).toContain('[31mred');
  });

  it('keeps one line per row whatever the names hold', () => {
    const r = hostile();
    const out = renderTerminal(r, PLAIN, 1000).split('\n');
    const header = out.findIndex((l) => l.startsWith('backend'));
    // Header, rule, one line per backend (its label's escape shown as text), then the blank line
    // that ends the table.
    for (let i = 0; i < r.backends.length; i++) expect(out[header + 2 + i]).toContain('|x\\x1b[1m');
    expect(out[header + 2 + r.backends.length]).toBe('');
    // The fault's name (with a line break in it) stays on its row of the phase table.
    const phaseRows = out.filter((l) => l.includes('injected'));
    expect(phaseRows.length).toBeGreaterThan(0);
    for (const l of phaseRows) expect(l).toContain('hic|cup');
  });
});
