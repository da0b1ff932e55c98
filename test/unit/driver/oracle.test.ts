import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/driver/oracle.js';

const none = new Set<string>();
const H = 50;

describe('classify', () => {
  it('scores the first turn of a conversation intact when the service found nothing', () => {
    expect(classify([], [], true, none, H)).toEqual({ outcome: 'intact', lagTurns: 0, recovered: 0 });
  });

  it('scores an echoed context equal to the truth intact', () => {
    expect(classify(['a', 'b'], ['a', 'b'], false, none, H).outcome).toBe('intact');
  });

  it('scores a new session (or an empty context) as lost when context was expected', () => {
    expect(classify(['a'], [], true, none, H).outcome).toBe('lost');
    expect(classify(['a', 'b'], [], false, none, H).outcome).toBe('lost');
    expect(classify(['a', 'b'], ['a', 'b'], true, none, H).outcome).toBe('lost');
  });

  it('scores a strict non-empty prefix as stale, with its lag', () => {
    expect(classify(['a', 'b', 'c'], ['a'], false, none, H)).toEqual({ outcome: 'stale', lagTurns: 2, recovered: 0 });
    expect(classify(['a', 'b', 'c'], ['a', 'b'], false, none, H)).toMatchObject({ outcome: 'stale', lagTurns: 1 });
  });

  it('scores unknown, reordered or gapped contexts as diverged', () => {
    expect(classify(['a', 'b'], ['a', 'x'], false, none, H).outcome).toBe('diverged');
    expect(classify(['a', 'b'], ['b', 'a'], false, none, H).outcome).toBe('diverged');
    expect(classify(['a', 'b', 'c'], ['a', 'c'], false, none, H).outcome).toBe('diverged');
    expect(classify(['a'], ['a', 'b'], false, none, H).outcome).toBe('diverged');
    expect(classify([], ['x'], false, none, H).outcome).toBe('diverged');
  });

  it('accepts indeterminate turns that turn out stored, and counts them recovered', () => {
    const pending = new Set(['b']);
    expect(classify(['a'], ['a', 'b'], false, pending, H)).toEqual({ outcome: 'intact', lagTurns: 0, recovered: 1 });
    expect(classify(['a'], ['a'], false, pending, H)).toEqual({ outcome: 'intact', lagTurns: 0, recovered: 0 });
  });

  it('compares windows when the history is bounded', () => {
    expect(classify(['a', 'b', 'c', 'd'], ['c', 'd'], false, none, 2).outcome).toBe('intact');
    expect(classify(['a', 'b', 'c', 'd'], ['b', 'c'], false, none, 2)).toMatchObject({ outcome: 'stale', lagTurns: 1 });
    expect(classify(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'], false, none, 2).outcome).toBe('diverged');
  });
});
