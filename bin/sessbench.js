#!/usr/bin/env node
// The CLI lives in dist/ (compiled by `npm run build`, run automatically on `npm install`).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('sessbench: not built yet; run `npm run build` (or `npm install`) in the package folder\n');
    process.exit(1);
  }
  throw err;
});
