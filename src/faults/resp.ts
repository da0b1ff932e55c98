/**
 * Just enough RESP (the Redis protocol) to find where one command or reply ends, and a command's
 * name, without decoding values. RESP2 and the RESP3 types; inline commands count as one line.
 */

const CR = 13;

function lineEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length - 1; i++) if (buf[i] === CR && buf[i + 1] === 10) return i;
  return -1;
}

function intAt(buf: Buffer, from: number, to: number): number {
  return Number(buf.toString('latin1', from, to));
}

/** End offset (exclusive) of the RESP value starting at `from`, or -1 when it is not complete yet. */
export function respEnd(buf: Buffer, from: number): number {
  if (from >= buf.length) return -1;
  const le = lineEnd(buf, from);
  if (le < 0) return -1;
  switch (String.fromCharCode(buf[from]!)) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return le + 2;
    case '$':
    case '!':
    case '=': {
      const n = intAt(buf, from + 1, le);
      if (n < 0) return le + 2;
      const end = le + 2 + n + 2;
      return end <= buf.length ? end : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = intAt(buf, from + 1, le);
      if (n < 0) return le + 2;
      if (buf[from] === 0x25 /* % */ || buf[from] === 0x7c /* | */) n *= 2;
      let pos = le + 2;
      for (let k = 0; k < n; k++) {
        pos = respEnd(buf, pos);
        if (pos < 0) return -1;
      }
      return pos;
    }
    default:
      // An inline command: one line.
      return le + 2;
  }
}

/** Upper-case name of the command in `buf[from, end)` (an array of bulk strings, or inline). */
export function commandName(buf: Buffer, from: number, end: number): string {
  if (buf[from] !== 0x2a /* * */) {
    const line = buf.toString('latin1', from, end).trim();
    return (line.split(/\s+/)[0] ?? '').toUpperCase();
  }
  const le = lineEnd(buf, from);
  const bulk = le + 2;
  if (buf[bulk] !== 0x24 /* $ */) return '';
  const le2 = lineEnd(buf, bulk);
  const n = intAt(buf, bulk + 1, le2);
  return buf.toString('latin1', le2 + 2, le2 + 2 + n).toUpperCase();
}

/** Split complete RESP values off the front of `buf`; returns their ends and the rest. */
export function splitResp(buf: Buffer): { ends: number[]; rest: Buffer } {
  const ends: number[] = [];
  let off = 0;
  for (;;) {
    const end = respEnd(buf, off);
    if (end < 0) break;
    ends.push(end);
    off = end;
  }
  return { ends, rest: buf.subarray(off) };
}
