/**
 * The vitest configuration Stryker runs (`npm run test:mutation`, see stryker.config.json): the
 * unit tests and the integration tests that import the mutated modules from src/ in this process
 * (the stores against a real redis-server, the fault proxy and its toxics on real sockets).
 *
 * Left out: the end-to-end tests and the integration tests that start instance processes. Those run
 * the compiled code in dist/, which Stryker's sandbox does not rebuild for each mutant, so they
 * would test the unmutated build and could never kill a mutant. The sandbox gets no dist/ at all
 * (stryker.config.json ignores it), so a test here that needed one fails loudly instead of testing
 * stale code; for the same reason the fresh-build check of test/vitest.config.ts is not needed.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts', 'test/integration/backends/**/*.test.ts', 'test/integration/faults/**/*.test.ts'],
    // ProxyHost runs the proxy in a worker thread loaded from dist/ (see above).
    exclude: ['test/integration/faults/proxy-host.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
