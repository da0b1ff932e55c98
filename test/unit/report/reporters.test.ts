/**
 * Every reporter renders from the results object alone: figures over no data print "–" (never a
 * zero), and no value of a results file, however crafted, becomes markup: the Markdown of a hostile
 * file has the same structure as that of a plain one, the XML parses with the same elements, the
 * HTML carries no tag or attribute from a value, and the terminal gets no control character.
 */
import MarkdownIt from 'markdown-it';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { htmlReporter } from '../../../src/report/html.js';
import { junitReporter } from '../../../src/report/junit.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderTerminal } from '../../../src/report/terminal.js';
import type { BackendResult, RunResults } from '../../../src/results/schema.js';
import { backendResult, fixtureResults } from '../../helpers/fixtures.js';

const HOSTILE =
  '<img src=x onerror=alert(1)> *bold* [link](http://evil) | cell `code` &amp; $x$ \n# heading \x1b[31mred';

/** A copy of the fixture with every free-text value replaced by `text`. */
function withText(text: string): RunResults {
  const r = fixtureResults({ name: text });
  r.scenario.description = text;
  r.scenarioFile = text;
  r.startedAt = text;
  r.environment.cpuModel = text;
  r.environment.platform = text;
  r.environment.node = text;
  r.warnings = [text];
  r.abortedBy = text;
  r.faults[0]!.name = text;
  r.faults[0]!.target = text;
  r.backends[1]!.label = text;
  r.backends[1]!.phases[1]!.name = text;
  r.thresholds = [{ backend: text, metric: 'latency.p99', phase: text, threshold: text, observed: 1, ok: false }];
  return r;
}

/** A backend that was cut short before any turn: every figure over turns is no data. */
function emptyBackend(): BackendResult {
  const b = backendResult('cut', 'redis', { p50: 1, p99: 1, redis: true });
  const none = { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  return {
    ...b,
    turns: {
      total: 0,
      intact: 0,
      lost: 0,
      stale: 0,
      diverged: 0,
      fail: 0,
      info: 0,
      withContext: 0,
      lateStarts: 0,
      recovered: 0,
    },
    rates: { turnLoss: null, sessionLoss: null, stale: null, diverged: null, errors: null },
    latencyMs: none,
    serviceMs: none,
    failedMs: none,
    throughput: { windowSec: 0.2, offeredTurnsPerSec: null, achievedTurnsPerSec: null },
    redis: { reads: 0, writes: 0, readsPerTurn: null, writesPerTurn: null, byCommand: {} },
    memory: { rssTotalBytes: null, rssMeanBytes: null },
    instances: [],
    sessionBytes: null,
    bytesPerTurn: { read: null, written: null },
    redisMemory: { usedBytes: 1_000_000, usedAtStartBytes: 1_000_000, keys: 0, sampledKeys: 0, keyBytesMean: null },
  };
}

const md = new MarkdownIt({ html: true, linkify: true });
md.linkify.set({ fuzzyLink: false });
const structure = (text: string) =>
  md
    .parse(text, {})
    .flatMap((t) => [t.type, ...(t.children ?? []).map((c) => c.type)])
    .filter((t) => t !== 'text' && t !== 'softbreak');

describe('reporters', () => {
  it('Markdown: a hostile results file renders with exactly the structure of a plain one', () => {
    const plain = structure(renderMarkdown(withText('plain')));
    const hostile = structure(renderMarkdown(withText(HOSTILE)));
    expect(hostile).toEqual(plain);
    expect(hostile).not.toContain('html_inline');
    expect(hostile).not.toContain('link_open');
  });

  it('JUnit: hostile values stay text and attribute values', () => {
    const xml = junitReporter.render(withText(HOSTILE));
    expect(xml).not.toMatch(/<img|<script/);
    // Every tag in the file is one junit.xml is made of.
    const tags = [...xml.matchAll(/<\/?([a-zA-Z?][\w:-]*)/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(new Set(['?xml', 'testsuites', 'testsuite', 'testcase', 'failure']));
    expect(xml).not.toMatch(/\x1b/);
  });

  it("JUnit: each case takes its backend's run time", () => {
    const r = fixtureResults();
    r.thresholds = [
      { backend: 'redis', metric: 'latency.p99', phase: null, threshold: '< 1s', observed: 25, ok: true },
    ];
    expect(junitReporter.render(r)).toContain(`time="${r.backends[1]!.durationMs / 1000}"`);
  });

  it('HTML: no value becomes a tag or an attribute', () => {
    // The chart data is JSON inside a script element with every "<" escaped: leave it out here.
    const page = (r: RunResults) => htmlReporter.render(r).replace(/<script[^>]*>[^]*?<\/script>/g, '');
    const html = page(withText(HOSTILE));
    const plainTags = [...page(withText('plain')).matchAll(/<([a-zA-Z][\w-]*)/g)].length;
    expect([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].length).toBe(plainTags);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=');
  });

  it('terminal: no control character from a value reaches the screen', () => {
    const text = renderTerminal(withText(HOSTILE), new Chalk({ level: 0 }), 100);
    expect(text).not.toMatch(/\x1b/);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('no data prints "–" in every view, never a zero', () => {
    const r = fixtureResults();
    r.backends = [emptyBackend()];
    const term = renderTerminal(r, new Chalk({ level: 0 }), 120).split('\n');
    // A table: its title, the header, a rule, then the rows.
    const row = (title: string) => term[term.findIndex((l) => l === title) + 3]!;
    expect(row('Latency and throughput')).toMatch(/cut\s+round-robin\s+0\s+–\s+–\s+–\s+–\s+0/);
    expect(row('Sessions')).toMatch(/cut\s+–\s+–\s+0\s+0\s+0/);
    expect(row('Store')).toMatch(/cut\s+–\s+–\s+–\s+–\s+–$/);
    // Nothing saved: no size and no per-key memory; the keys and Redis's growth were measured (none).
    expect(row('Stored sessions')).toMatch(/cut\s+–\s+–\s+0\s+0 B\s+–$/);
    expect(renderMarkdown(r)).toContain('| cut | – | – | – |');
    expect(htmlReporter.render(r)).toContain('<td class="num">–</td>');
  });

  it('a fault that can\'t touch a backend reads "not affected", not "0/0, never"', () => {
    const r = fixtureResults();
    const redis = r.backends[1]!;
    redis.faults = [
      {
        fault: 'hiccup',
        affected: false,
        activeConversations: 0,
        lostContext: 0,
        lostContextRate: null,
        timeToRecoverSec: null,
      },
    ];
    const sessionsRow = (text: string) => {
      const lines = text.split('\n');
      return lines.slice(lines.indexOf('Sessions by phase')).find((l) => l.startsWith('redis') && l.includes('hiccup'));
    };
    expect(sessionsRow(renderTerminal(r, new Chalk({ level: 0 }), 160))).toMatch(/not affected\s+not affected$/);
    redis.faults[0] = { ...redis.faults[0]!, affected: true, activeConversations: 5, lostContext: 1 };
    expect(sessionsRow(renderTerminal(r, new Chalk({ level: 0 }), 160))).toMatch(/1\/5\s+never$/);
    // No conversation under way, no turn after it: nothing is known, which is not "0/0, never".
    redis.faults[0] = { ...redis.faults[0]!, activeConversations: 0, lostContext: 0 };
    for (const sec of redis.series) sec.turns = sec.t < 10 ? sec.turns : 0;
    expect(sessionsRow(renderTerminal(r, new Chalk({ level: 0 }), 160))).toMatch(/–\s+–$/);
  });
});
