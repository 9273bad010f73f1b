import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { HttpError } from './respond.js';
import type { Route } from './server.js';

export const EXPLORER_PATH = '/explorer';

// src/http/ and dist/http/ both sit two levels below the package root, which holds dist/explorer/
// (made by `npm run build:explorer`).
const BUNDLE_DIR = new URL('../../dist/explorer/', import.meta.url);

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  ttf: 'font/ttf',
  woff: 'font/woff',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};

/**
 * Everything the page loads comes from the gateway: scripts, workers, styles and queries. Monaco
 * inserts <style> elements, hence 'unsafe-inline' for styles; GraphiQL's fonts are data: URLs.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ExplorerOptions {
  /** The GraphQL endpoint the page sends operations to. */
  readonly graphqlPath: string;
  /** The endpoint wants `Authorization: Bearer <key>`: the page opens its headers editor with a template. */
  readonly keyRequired: boolean;
  /** Directory of the bundle. @default <package root>/dist/explorer/ */
  readonly bundleDir?: URL;
}

/**
 * The built-in explorer (GraphiQL) at /explorer, for development: everything it needs is served
 * from the gateway's own files, so it works without network access, where Apollo Sandbox (loaded
 * from Apollo's CDN) does not. gateway.ts mounts it only outside production.
 */
export function explorerRoute({ graphqlPath, keyRequired, bundleDir = BUNDLE_DIR }: ExplorerOptions): Route {
  const page = explorerPage(graphqlPath, keyRequired);
  // A request names one of the bundle's files or nothing is read, so no path from a
  // request reaches the file system. Listed on each request: the bundle may be rebuilt meanwhile.
  const bundleFiles = () =>
    readdir(bundleDir).then(
      (names) => new Set(names.filter((name) => !name.startsWith('.'))),
      () => new Set<string>(),
    );

  return async (req, res, path) => {
    if (path !== EXPLORER_PATH && !path.startsWith(`${EXPLORER_PATH}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `${EXPLORER_PATH} answers GET only.`, undefined, { allow: 'GET, HEAD' });
    }
    const name = path.slice(EXPLORER_PATH.length + 1);
    const available = await bundleFiles();
    if (name === '') {
      if (!available.has('explorer.js')) {
        throw new HttpError(503, 'The explorer is not built: run `npm run build:explorer` (npm start and npm run dev do it).');
      }
      reply(res, 200, 'text/html; charset=utf-8', page, req.method === 'HEAD');
      return true;
    }
    if (!available.has(name)) throw new HttpError(404, `Not found. The explorer is at ${EXPLORER_PATH}.`);
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    reply(res, 200, type, await readFile(new URL(name, bundleDir)), req.method === 'HEAD');
    return true;
  };
}

function reply(res: ServerResponse, status: number, type: string, body: string | Buffer, headOnly: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Development only, and rebuilt at will: never served from a stale cache.
    'cache-control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
}

function explorerPage(graphqlPath: string, keyRequired: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Messenger Profile Gateway · explorer</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${EXPLORER_PATH}/explorer.css">
  <script type="module" src="${EXPLORER_PATH}/explorer.js"></script>
</head>
<body>
  <div id="explorer" data-endpoint="${graphqlPath}" data-key-required="${keyRequired}">Loading the explorer…</div>
</body>
</html>
`;
}
