/**
 * Import rules of sessbench, checked by `npm run lint:deps` (part of `npm test`): folders import
 * one way (no cycle between folders, none between files), and the results contract in src/results
 * is a leaf that imports nothing of the project. docs/architecture.md draws the layers.
 */
/**
 * What each folder of src/ may import (docs/architecture.md, "Folders and layers"), besides
 * itself and the leaves util/ and errors.ts. Anything else is a violation, so the table in the
 * docs and the code cannot drift apart.
 */
const MAY_IMPORT = {
  cli: [
    'report', 'run', 'driver', 'metrics', 'cluster', 'scenario', 'service', 'text', 'gates', 'faults', 'backends',
    'results',
  ],
  report: ['gates', 'results'],
  run: ['driver', 'metrics', 'cluster', 'scenario', 'service', 'text', 'gates', 'faults', 'backends', 'results'],
  driver: ['metrics', 'scenario', 'service', 'text', 'results'],
  metrics: ['faults', 'results'],
  cluster: ['service', 'scenario', 'text', 'faults', 'backends', 'results'],
  scenario: ['service', 'text', 'backends', 'faults', 'gates', 'results'],
  service: ['backends', 'text', 'results'],
  text: [],
  gates: ['results'],
  faults: ['results'],
  backends: ['results'],
  results: [],
};
const FOLDERS = Object.keys(MAY_IMPORT);

const layerRules = FOLDERS.map((folder) => {
  const allowed = [folder, ...MAY_IMPORT[folder], ...(folder === 'results' ? [] : ['util'])];
  const forbidden = FOLDERS.filter((f) => !allowed.includes(f)).concat(folder === 'results' ? ['util'] : []);
  return {
    name: `layer-${folder}`,
    comment: `${folder}/ may import only ${MAY_IMPORT[folder].join(', ') || 'nothing of the project'}.`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: forbidden.length ? `^src/(${forbidden.join('|')})/` : '^$' },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-folder-cycle',
      comment: 'Folders import one way: a cycle between folders means a concept sits above its users.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-file-cycle',
      comment: 'No two files import each other, directly or through others.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'results-is-a-leaf',
      comment: 'The results contract (results.json) is the bottom of the import graph.',
      severity: 'error',
      from: { path: '^src/results/' },
      to: { path: '^src/', pathNot: '^src/results/' },
    },
    {
      name: 'util-is-a-leaf',
      comment: 'Utilities depend on nothing else of the project.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
