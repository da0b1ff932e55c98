/**
 * Setup for every test file: end-to-end and integration tests run the compiled code in dist/ (the
 * CLI, and every instance process, is `node dist/...`), so a dist/ older than src/ would test
 * yesterday's code. Such a file fails at once, saying to build; unit tests import src/ and don't
 * care. `npm test` builds first.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(path);
    else if (e.name.endsWith('.ts')) yield path;
  }
}

/** The first src/ file whose build output in dist/ is missing or older than it, if any. */
export function staleBuild(root = ROOT): { src: string; dist: string; why: string } | undefined {
  for (const src of tsFiles(join(root, 'src'))) {
    const rel = relative(join(root, 'src'), src);
    const dist = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    let built: number;
    try {
      built = statSync(dist).mtimeMs;
    } catch {
      return { src: `src/${rel}`, dist: `dist/${rel.replace(/\.ts$/, '.js')}`, why: 'is missing' };
    }
    if (statSync(src).mtimeMs > built) return { src: `src/${rel}`, dist: `dist/${rel.replace(/\.ts$/, '.js')}`, why: 'is older than its source' };
  }
  return undefined;
}

// eslint-disable-next-line no-empty-pattern
beforeAll(({}, suite) => {
  const file = relative(ROOT, suite.file.filepath);
  if (!/^test\/(e2e|integration)\//.test(file)) return;
  const stale = staleBuild();
  if (stale) {
    throw new Error(`${stale.dist} ${stale.why} (${stale.src}): this test runs the built code in dist/. Run \`npm run build\` first (\`npm test\` does).`);
  }
});
