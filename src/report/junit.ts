/**
 * junit.xml: one test case per threshold verdict (per backend, and per phase where filtered), so a
 * CI's test view shows each threshold; a failure carries the observed value against the expected,
 * and a verdict over no data fails as "no data". A run without thresholds has one passing case per
 * backend that ran. A case's time is its backend's run time. Every value goes through the `xml` tag.
 */
import type { RunResults } from '../results/schema.js';
import { type Fragment, xml } from './escape.js';
import { formatMetric } from './format.js';
import type { Reporter } from './types.js';

const secs = (ms: number) => (Number.isFinite(ms) ? Math.max(0, ms) / 1000 : 0);

function render(r: RunResults): string {
  const seconds = secs(Date.parse(r.finishedAt) - Date.parse(r.startedAt));
  const runTime = (label: string) => secs(r.backends.find((b) => b.label === label)?.durationMs ?? 0);
  const cases: Fragment[] = [];
  let failures = 0;
  for (const t of r.thresholds) {
    const name = `${t.metric}${t.phase ? ` {phase:${t.phase}}` : ''} ${t.threshold}`;
    const observed = formatMetric(t.metric, t.observed);
    let body = xml``;
    if (!t.ok) {
      failures++;
      const where = `${t.metric}${t.phase ? ` in phase ${t.phase}` : ''}`;
      const message =
        t.observed === null ? `no data, expected ${t.threshold}` : `observed ${observed}, expected ${t.threshold}`;
      const text = `${t.backend}: ${where} was ${observed}; the threshold is ${t.threshold}`;
      body = xml`<failure message="${message}" type="threshold">${text}</failure>`;
    }
    const classname = `sessbench.${t.backend}`;
    cases.push(
      xml`    <testcase classname="${classname}" name="${name}" time="${runTime(t.backend)}">${body}</testcase>`,
    );
  }
  if (r.thresholds.length === 0) {
    for (const b of r.backends) {
      const classname = `sessbench.${b.label}`;
      cases.push(
        xml`    <testcase classname="${classname}" name="run completed" time="${secs(b.durationMs)}"></testcase>`,
      );
    }
  }
  const tests = cases.length;
  const timestamp = r.startedAt.replace(/\.\d+Z$/, '');
  const counts = xml`tests="${tests}" failures="${failures}" errors="0"`;
  return [
    xml`<?xml version="1.0" encoding="UTF-8"?>`,
    xml`<testsuites name="sessbench" ${counts} time="${seconds}">`,
    xml`  <testsuite name="${r.scenario.name}" ${counts} skipped="0" time="${seconds}" timestamp="${timestamp}">`,
    ...cases,
    xml`  </testsuite>`,
    xml`</testsuites>`,
    xml``,
  ]
    .map((f) => f.text)
    .join('\n');
}

export const junitReporter = { name: 'junit', file: 'junit.xml', render } satisfies Reporter;
