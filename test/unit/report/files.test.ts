/**
 * The output folder is checked before a run and made without a call that can spin; files are
 * written whole, under a random temporary name, and a user's file is never overwritten unforced.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { prepareFolder, writeFileAtomic, writeUserFile } from '../../../src/report/files.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'sessbench-files-')));

describe('output files', () => {
  it('makes a missing folder and its missing parents', () => {
    fresh();
    prepareFolder(join(dir, 'a', 'b', 'c'));
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c']);
  });

  it('refuses a file where the folder should be, and a folder that cannot be made', () => {
    fresh();
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => prepareFolder(join(dir, 'f'))).toThrow(UsageError);
    expect(() => prepareFolder(join(dir, 'f', 'below'))).toThrow(UsageError);
    const t0 = Date.now();
    expect(() => prepareFolder('/proc/sessbench-nope/x')).toThrow(EnvironmentError);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('writes atomically through a randomly named temporary file, and leaves none behind', () => {
    fresh();
    writeFileAtomic(join(dir, 'r.json'), '{"a":1}');
    writeFileAtomic(join(dir, 'r.json'), '{"a":2}');
    expect(readdirSync(dir)).toEqual(['r.json']);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('{"a":2}');
    expect(() => writeFileAtomic(join(dir, 'missing', 'r.json'), 'x')).toThrow(EnvironmentError);
    expect(readdirSync(dir)).toEqual(['r.json']);
  });

  it("never writes over a user's file unless forced", () => {
    fresh();
    const f = join(dir, 'mine.json');
    writeFileSync(f, 'mine');
    expect(() => writeUserFile(f, 'theirs', false)).toThrow(/exists/);
    expect(readFileSync(f, 'utf8')).toBe('mine');
    writeUserFile(f, 'theirs', true);
    expect(readFileSync(f, 'utf8')).toBe('theirs');
  });
});
