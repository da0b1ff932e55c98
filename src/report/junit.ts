/**
 * junit.xml: one test case per threshold verdict (per backend, and per phase where filtered), so a
 * CI's test view shows each threshold; a failure carries the observed value against the expected.
 * A run without thresholds has one passing case per backend that ran.
 */
import type { RunResults } from '../results/schema.js';
import type { Reporter } from './types.js';
import { formatMetric } from './format.js';

/** XML 1.0 text: escape markup and drop characters XML can't hold. */
export function xmlEscape(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot hold are what this removes.
  const xmlChars = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd]/gu;
  return s
    .replace(xmlChars, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function render(results: RunResults): string {
  const seconds = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000;
  const cases: string[] = [];
  let failures = 0;
  for (const t of results.thresholds) {
    const name = `${t.metric}${t.phase ? ` {phase:${t.phase}}` : ''} ${t.threshold}`;
    const observed = formatMetric(t.metric, t.observed);
    let body = '';
    if (!t.ok) {
      failures++;
      body = `<failure message="${xmlEscape(`observed ${observed}, expected ${t.threshold}`)}" type="threshold">${xmlEscape(
        `${t.backend}: ${t.metric}${t.phase ? ` in phase ${t.phase}` : ''} was ${observed}; the threshold is ${t.threshold}`,
      )}</failure>`;
    }
    cases.push(
      `    <testcase classname="${xmlEscape(`sessbench.${t.backend}`)}" name="${xmlEscape(name)}" time="0">${body}</testcase>`,
    );
  }
  if (results.thresholds.length === 0) {
    for (const b of results.backends)
      cases.push(
        `    <testcase classname="${xmlEscape(`sessbench.${b.label}`)}" name="run completed" time="${b.durationMs / 1000}"></testcase>`,
      );
  }
  const tests = cases.length;
  const suite = xmlEscape(results.scenario.name);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sessbench" tests="${tests}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="${suite}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${results.startedAt.replace(/\.\d+Z$/, '')}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitReporter = { name: 'junit', file: 'junit.xml', render } satisfies Reporter;
