// Dependency rules for src/ (`npm run lint:deps`). Type-only imports count: an arrow is an arrow.
// Layers from the bottom up; a module may import its own layer or any layer below, never above.
const LAYERS = [
  ['errors', '^src/(errors|clock)\\.ts$'],
  ['graph-api', '^src/graph-api/'],
  ['config', '^src/config\\.ts$'],
  ['observability', '^src/observability/'],
  ['cache and referrals', '^src/(cache|referrals)/'],
  ['pages', '^src/pages/'],
  ['profile', '^src/profile/'],
  ['graphql and http', '^src/(graphql|generated|http)/'],
  ['webhook', '^src/webhook/'],
  ['gateway', '^src/gateway\\.ts$'],
  ['main', '^src/main\\.ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name.replace(/\W+/g, '-')}`,
  comment: `${name} may import only its own layer or those below it (see README, Request path).`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, above]) => above) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'graphql-and-http-apart',
      comment: 'The HTTP layer runs Apollo through its interface; it never imports the schema side, nor the reverse.',
      severity: 'error',
      from: { path: '^src/(graphql|generated)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'http-apart-from-graphql',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(graphql|generated)/' },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'The Graph API emulator shares no code with the gateway, so the two cannot agree on a bug.',
      severity: 'error',
      from: { path: '^src/demo/emulator/' },
      to: { path: '^src/', pathNot: '^src/demo/emulator/' },
    },
    {
      name: 'demo-only-by-dynamic-import',
      comment: 'Production never loads demo mode or the emulator: only main.ts imports them, dynamically.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(demo/|main\\.ts$)' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'demo-from-main-dynamic-only',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '^src/demo/', dynamic: false },
    },
    {
      name: 'nothing-imports-demo-upward',
      comment: 'Demo mode builds on the gateway; nothing of the gateway builds on it.',
      severity: 'error',
      from: { path: '^src/demo/', pathNot: '^src/demo/emulator/' },
      to: { path: '^src/(main|gateway)\\.ts$' },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
