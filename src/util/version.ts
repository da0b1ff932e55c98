import { readFileSync } from 'node:fs';

/** sessbench's own version, from its package.json (two folders up from dist/util or src/util). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
