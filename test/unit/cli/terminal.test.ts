/**
 * Colour is decided per stream (FORCE_COLOR, then NO_COLOR, then whether the stream is a
 * terminal), and progress fits the terminal's width; in a log it prints at least every two seconds
 * and at every change of phase.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { progressObserver } from '../../../src/cli/progress.js';
import { colourLevel } from '../../../src/cli/terminal.js';
import type { Progress } from '../../../src/run/types.js';

const stream = (isTTY: boolean, depth = 8) => ({ isTTY, getColorDepth: () => depth }) as unknown as NodeJS.WriteStream;

describe('colour per stream', () => {
  it('a terminal gets colour, a pipe does not', () => {
    expect(colourLevel(stream(true), {})).toBe(2);
    expect(colourLevel(stream(false), {})).toBe(0);
  });

  it('NO_COLOR turns it off even on a terminal; an empty NO_COLOR does not', () => {
    expect(colourLevel(stream(true), { NO_COLOR: '1' })).toBe(0);
    expect(colourLevel(stream(true), { NO_COLOR: '' })).toBe(2);
  });

  it('FORCE_COLOR wins over both, and 0 turns colour off', () => {
    expect(colourLevel(stream(false), { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(1);
    expect(colourLevel(stream(false), { FORCE_COLOR: '3' })).toBe(3);
    expect(colourLevel(stream(true), { FORCE_COLOR: '0' })).toBe(0);
  });

  it('TERM=dumb has no colour', () => {
    expect(colourLevel(stream(true), { TERM: 'dumb' })).toBe(0);
  });
});

function capture(isTTY: boolean) {
  const written: string[] = [];
  const s = { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
  return { written, observer: progressObserver(s, new Chalk({ level: 0 }), () => 80) };
}

const progress = (elapsedMs: number, phase = 'load'): Progress => ({
  label: 'a-rather-long-backend-label-for-the-test',
  elapsedMs,
  plannedMs: 40_000,
  phase,
  turns: 123_456,
  intact: 100_000,
  lost: 12_345,
  errors: 1234,
  p50: 12.3,
  p99: 456,
});

describe('progress', () => {
  it('on a terminal: one line rewritten in place, never wider than the terminal', () => {
    const { written, observer } = capture(true);
    observer.progress!(progress(1000));
    observer.progress!(progress(2000));
    expect(written).toHaveLength(2);
    for (const w of written) {
      expect(w.startsWith('\r\x1b[2K')).toBe(true);
      expect([...w.slice('\r\x1b[2K'.length)].length).toBeLessThanOrEqual(79);
      expect(w).not.toContain('\n');
    }
  });

  it('in a log: a line at least every two seconds and at every change of phase', () => {
    const { written, observer } = capture(false);
    for (const [ms, phase] of [
      [0, 'warmup'],
      [1000, 'warmup'],
      [1500, 'baseline'],
      [2500, 'baseline'],
      [3600, 'baseline'],
      [4000, 'redis down'],
    ] as const) {
      observer.progress!(progress(ms, phase));
    }
    expect(written.map((w) => /\d+s\/40s ([^:]+):/.exec(w)?.[1])).toEqual([
      'warmup',
      'baseline',
      'baseline',
      'redis down',
    ]);
    for (const w of written) expect(w.endsWith('\n')).toBe(true);
  });
});
