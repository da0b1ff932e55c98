/**
 * What the command line knows about the streams it writes to: whether to colour each one, and how
 * wide it is. Colour is decided per stream: FORCE_COLOR forces it (0 or false turns it off),
 * a non-empty NO_COLOR turns it off, otherwise a stream has colour only when it is a terminal
 * (and TERM is not "dumb"), at the depth that terminal reports.
 */
import { Chalk, type ChalkInstance } from 'chalk';

type Level = 0 | 1 | 2 | 3;

export function colourLevel(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Level {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    return force === '2' ? 2 : force === '3' ? 3 : 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  const depth = typeof stream.getColorDepth === 'function' ? stream.getColorDepth(env) : 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

/** A chalk for this stream alone. */
export function chalkFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk({ level: colourLevel(stream) });
}

/** Columns a line may use on this stream: the terminal's width, or COLUMNS, or 120 for a log. */
export function widthOf(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv >= 40 ? fromEnv : 120;
}
