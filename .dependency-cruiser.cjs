// Dependency rules for src/ (`npm run lint:deps`). Type-only imports count: an arrow is an arrow.
// Layers from the bottom up; a module may import its own layer or any layer below, never above.
const LAYERS = [
  ['core', '^src/core/'],
  ['graph-api', '^src/graph-api/'],
  ['config', '^src/config\\.ts$'],
  ['observability', '^src/observability/'],
  // The one Redis connection and its guard, which every user of Redis (below the chain) goes through.
  ['redis', '^src/redis/'],
  ['reload', '^src/reload\\.ts$'],
  ['cache and referrals', '^src/(cache|referrals)/'],
  ['pages', '^src/pages/'],
  ['layers', '^src/chain/layers/'],
  ['chain', '^src/chain/[^/]+\\.ts$'],
  ['profile', '^src/profile/'],
  // Signed avatar URLs and the pictures behind them, read through the Pages' chains.
  ['avatars', '^src/avatars/'],
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

/** Only `importer` may import `target`, and only by a dynamic import: what it loads stays unloaded until needed. */
function onlyByDynamicImport({ name, comment, target, importer: [importerName, importer], allowed }) {
  return [
    { name: `${name}-only-by-dynamic-import`, comment, severity: 'error', from: { path: '^src/', pathNot: allowed }, to: { path: target } },
    { name: `${name}-from-${importerName}-dynamic-only`, severity: 'error', from: { path: importer }, to: { path: target, dynamic: false } },
  ];
}

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
      name: 'one-redis-connection',
      comment: 'Only redis/connection.ts opens a Redis connection; everything else gets the gateway\'s and goes through its guard.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/redis/connection\\.ts$' },
      to: { path: '^node_modules/ioredis/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'layers-only-from-the-chain',
      comment: 'Only the composition (chain/index.ts) puts layers together; everything else sees a Page through its Page object (pages/page.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/chain/(index\\.ts$|layers/)' },
      to: { path: '^src/chain/layers/' },
    },
    {
      name: 'layers-independent',
      comment: 'Each layer stands alone: one file, one factory, state passed in.',
      severity: 'error',
      from: { path: '^src/chain/layers/' },
      to: { path: '^src/chain/layers/' },
    },
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
    ...onlyByDynamicImport({
      name: 'demo',
      comment: 'Production never loads demo mode or the emulator: only main.ts imports them, dynamically.',
      target: '^src/demo/',
      importer: ['main', '^src/main\\.ts$'],
      // Demo mode's own modules import each other.
      allowed: '^src/(demo/|main\\.ts$)',
    }),
    ...onlyByDynamicImport({
      name: 'opentelemetry',
      comment: 'Tracing off loads no OpenTelemetry module: only gateway.ts imports observability/otel.ts, dynamically.',
      target: '^src/observability/otel\\.ts$',
      importer: ['gateway', '^src/gateway\\.ts$'],
      allowed: '^src/gateway\\.ts$',
    }),
    {
      name: 'opentelemetry-only-in-otel',
      comment: 'The layers see tracing through TraceSpan and GatewayTracer; only observability/otel.ts knows OpenTelemetry.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/observability/otel\\.ts$' },
      to: { path: '^node_modules/@opentelemetry/' },
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
    // OpenTelemetry's and ioredis' packages are in the graph (not followed) so the rules above can see them.
    includeOnly: '^(src/|node_modules/(@opentelemetry|ioredis)/)',
    doNotFollow: { path: '^node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
