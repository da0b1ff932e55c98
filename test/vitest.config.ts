import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // Integration and end-to-end tests refuse to run against a dist/ older than src/.
    setupFiles: ['test/helpers/fresh-build.ts'],
    // Integration and end-to-end tests start real processes and measure loss rates: run files one
    // at a time so they don't compete for the machine's cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    coverage: {
      // `npm run test:coverage`: which of src/ the suite runs in its own process. Code that runs only
      // in spawned processes (instances, the CLI of e2e tests) is not counted.
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'html', 'json-summary', 'json'],
      reportsDirectory: 'coverage',
    },
  },
});
