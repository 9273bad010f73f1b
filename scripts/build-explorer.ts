/**
 * `npm run build:explorer`: bundles the built-in explorer (explorer/main.ts: GraphiQL, React and
 * Monaco's workers) with esbuild into dist/explorer/, which the gateway serves at /explorer in
 * development. GraphiQL 5 ships ES modules that import CSS and start Monaco workers, which a
 * browser cannot load as they are, hence one bundle made at build time (never committed) rather
 * than files served from node_modules. Skipped when the bundle is newer than what it is made of.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the gateway looks for the bundle (src/http/explorer.ts). */
const OUT = join(ROOT, 'dist', 'explorer');
const STAMP = join(OUT, '.inputs');

/** A digest of everything the bundle is made of: sources, this script, the locked dependencies. */
function inputsDigest(): string {
  const hash = createHash('sha256');
  const sources = readdirSync(join(ROOT, 'explorer')).sort().map((name) => join(ROOT, 'explorer', name));
  for (const file of [...sources, fileURLToPath(import.meta.url), join(ROOT, 'package-lock.json')]) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

function upToDate(digest: string): boolean {
  try {
    return readFileSync(STAMP, 'utf8') === digest;
  } catch {
    return false;
  }
}

export async function buildExplorer({ force = false } = {}): Promise<'built' | 'up to date'> {
  const digest = inputsDigest();
  if (!force && upToDate(digest)) return 'up to date';
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      explorer: 'explorer/main.ts',
      // Monaco's workers, started by explorer/main.ts from beside it.
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
    },
    outdir: OUT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'linked',
    // Monaco's icon font; GraphiQL's own fonts are inlined in its CSS.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  writeFileSync(STAMP, digest);
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildExplorer({ force: process.argv.includes('--force') });
  process.stderr.write(`explorer bundle (dist/explorer/): ${result}\n`);
}
