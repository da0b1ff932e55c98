/** The guard that keeps integration and e2e tests from running against a stale dist/. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli.js';
import { staleBuild } from '../../helpers/fresh-build.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function tree(name: string, files: Record<string, number>): string {
  const root = join(tmp.dir, name);
  for (const [path, mtimeSec] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), mtimeSec, mtimeSec);
  }
  return root;
}

describe('staleBuild', () => {
  it('accepts a dist/ built after every source', () => {
    expect(staleBuild(tree('fresh', { 'src/a.ts': 100, 'src/x/b.ts': 100, 'dist/a.js': 200, 'dist/x/b.js': 200 }))).toBeUndefined();
  });

  it('names a source changed after its build', () => {
    expect(staleBuild(tree('old', { 'src/a.ts': 100, 'src/x/b.ts': 300, 'dist/a.js': 200, 'dist/x/b.js': 200 }))).toEqual({
      src: 'src/x/b.ts', dist: 'dist/x/b.js', why: 'is older than its source',
    });
  });

  it('names a source that was never built', () => {
    expect(staleBuild(tree('missing', { 'src/a.ts': 100, 'src/new.ts': 100, 'dist/a.js': 200 }))).toEqual({
      src: 'src/new.ts', dist: 'dist/new.js', why: 'is missing',
    });
  });
});
