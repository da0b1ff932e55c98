import { describe, expect, it } from 'vitest';
import { commandName, respEnd, splitResp } from '../../../src/faults/resp.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('RESP framing', () => {
  it('finds the end of every reply type, or says it is incomplete', () => {
    expect(respEnd(b('+OK\r\n'), 0)).toBe(5);
    expect(respEnd(b('-ERR x\r\n'), 0)).toBe(8);
    expect(respEnd(b(':12\r\n'), 0)).toBe(5);
    expect(respEnd(b('$3\r\nabc\r\n'), 0)).toBe(9);
    expect(respEnd(b('$-1\r\n'), 0)).toBe(5);
    expect(respEnd(b('$3\r\nab'), 0)).toBe(-1);
    expect(respEnd(b('*2\r\n$1\r\na\r\n:1\r\n'), 0)).toBe(15);
    expect(respEnd(b('*2\r\n$1\r\na\r\n'), 0)).toBe(-1);
    expect(respEnd(b('*-1\r\n'), 0)).toBe(5);
    expect(respEnd(b('%1\r\n+a\r\n:1\r\n'), 0)).toBe(12);
  });

  it('handles bulk strings that contain CRLF', () => {
    const cmd = b('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n');
    expect(respEnd(cmd, 0)).toBe(cmd.length);
  });

  it('splits complete values off a stream and keeps the rest', () => {
    const { ends, rest } = splitResp(b('+OK\r\n:1\r\n$5\r\nhel'));
    expect(ends).toEqual([5, 9]);
    expect(rest.toString()).toBe('$5\r\nhel');
  });

  it('reads command names', () => {
    const get = b('*2\r\n$3\r\nget\r\n$1\r\nk\r\n');
    expect(commandName(get, 0, get.length)).toBe('GET');
    expect(commandName(b('PING\r\n'), 0, 6)).toBe('PING');
  });
});
