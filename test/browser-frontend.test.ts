import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { launchChromium, openOffline } from './browser.js';
import { DEMO_PSIDS, startStack, type Stack } from './helpers.js';
import { authEnv, signToken, startJwksServer, testKey, type JwksServer, type TestKey } from './jwks.js';

const BROWSER_TEST_MS = 60_000;
const HEADLINE = `query Headline($psid: ID!) { user(psid: $psid) { id profile { firstName timezone } } }`;

/**
 * The page of a console on its own origin: it signs in with its backend (`/token`, here minting a
 * test token), then asks the gateway for the headline with fetch and with urql, and shows what
 * each got (or the error that stopped it).
 */
async function consolePage(gatewayUrl: string): Promise<string> {
  const urql = await build({
    stdin: {
      contents: `import { Client, cacheExchange, fetchExchange } from '@urql/core'; window.urql = { Client, cacheExchange, fetchExchange };`,
      resolveDir: process.cwd(),
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
  });
  return `<!doctype html><html><body><pre id="fetch">…</pre><pre id="urql">…</pre>
<script>${urql.outputFiles[0]!.text}</script>
<script>
(async () => {
  const show = (id, value) => { document.getElementById(id).textContent = JSON.stringify(value); };
  const token = await (await fetch('/token')).text();
  const variables = { psid: '${DEMO_PSIDS.peter}' };
  try {
    const res = await fetch(${JSON.stringify(gatewayUrl)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: ${JSON.stringify(HEADLINE)}, variables }),
    });
    show('fetch', await res.json());
  } catch (error) { show('fetch', { failed: String(error) }); }
  const client = new urql.Client({
    url: ${JSON.stringify(gatewayUrl)},
    exchanges: [urql.cacheExchange, urql.fetchExchange],
    fetchOptions: () => ({ headers: { authorization: 'Bearer ' + token } }),
  });
  const result = await client.query(${JSON.stringify(HEADLINE)}, variables).toPromise();
  show('urql', result.error ? { failed: result.error.message } : { data: result.data });
})();
</script></body></html>`;
}

/** The console's web server on loopback: its page and its sign-in endpoint. */
async function serveConsole(key: TestKey, html: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/token') {
      void signToken(key, { sub: 'agent-7', pages: [DEMO_PAGE_ID] }).then((token) => res.end(token));
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a browser app on another origin, signed in with a token', () => {
  let jwks: JwksServer;
  let stack: Stack;
  let browser: Browser;
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };

  beforeAll(async () => {
    const key = await testKey('k1');
    jwks = await startJwksServer([key]);
    // The console's origin goes into CORS_ORIGINS, and the gateway's URL into its page: the
    // console listens first and gets its page once the gateway runs.
    let html = '';
    allowed = await serveConsole(key, () => html);
    other = await serveConsole(key, () => html);
    stack = await startStack({ env: { ...authEnv(jwks.url), PAGE_ID: DEMO_PAGE_ID, CORS_ORIGINS: allowed.origin } });
    html = await consolePage(stack.gateway.url);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await jwks?.close();
    allowed?.server.close();
    other?.server.close();
  });

  it('shows Peter, through fetch and through urql', async () => {
    const { page, context, errors } = await openOffline(browser, `${allowed.origin}/`);
    try {
      await page.locator('#urql').getByText('Peter').waitFor();
      expect(JSON.parse(await page.locator('#fetch').innerText())).toMatchObject({ data: { user: { profile: { firstName: 'Peter', timezone: -7 } } } });
      expect(JSON.parse(await page.locator('#urql').innerText())).toMatchObject({ data: { user: { profile: { firstName: 'Peter', timezone: -7 } } } });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it('a page from an origin not in CORS_ORIGINS cannot read the answer', async () => {
    const { page, context } = await openOffline(browser, `${other.origin}/`);
    try {
      await page.locator('#urql').getByText('failed').waitFor();
      expect(JSON.parse(await page.locator('#fetch').innerText())).toEqual({ failed: 'TypeError: Failed to fetch' });
      expect(await page.locator('#urql').innerText()).not.toContain('Peter');
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
