import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExplorer } from '../scripts/build-explorer.js';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { launchChromium, openOffline } from './browser.js';
import { DEMO_PSIDS, deliver, gatewayUrl, referralDelivery, startStack, type Stack } from './helpers.js';
import { spawnGateway } from './process.js';

const API_KEY = 'explorer-suite-api-key-0123456789';
const APP_SECRET = 'explorer-suite-app-secret';
// Loading GraphiQL (a few MB of script) and Monaco's workers takes seconds on a busy machine.
const BROWSER_TEST_MS = 90_000;

const HEADERS_EDITOR = '.graphiql-editor-tool .monaco-editor[data-uri*="headers"]';

/** Replaces what a GraphiQL (Monaco) editor holds with `text`, as a person pasting it would. */
async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(editor).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  // Monaco may have closed a bracket it saw opened: drop whatever follows the inserted text.
  await page.keyboard.press('Shift+Control+End');
  await page.keyboard.press('Delete');
}

/** Resolves once GraphiQL shows its query editor with the headline query. */
const explorerShown = (page: Page) => page.locator('.graphiql-query-editor .view-lines').getByText('1254459154682919').waitFor();

/** Monaco draws spaces as no-break spaces. */
const textOf = async (page: Page, selector: string) => (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');

describe('the built-in explorer in a real browser (development)', () => {
  let stack: Stack;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    await buildExplorer();
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-explorer-'));
    stack = await startStack({
      emulator: { appSecret: APP_SECRET },
      env: {
        NODE_ENV: 'development',
        GATEWAY_API_KEYS: API_KEY,
        APP_SECRET,
        PAGE_ID: DEMO_PAGE_ID,
        WEBHOOK_VERIFY_TOKEN: 'explorer-suite-verify-token',
        DATA_DIR: dataDir,
      },
    });
    // As demo mode does at start-up: Peter's ad referral arrives by webhook, so lastAdReferral has one.
    const delivery = referralDelivery(DEMO_PAGE_ID, [
      { psid: DEMO_PSIDS.peter, timestamp: 1458692752478, referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433', ref: 'demo' } },
    ]);
    expect((await deliver(stack.gateway.webhookUrl, delivery, APP_SECRET)).status).toBe(200);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'runs the headline query from the page, with the key in the header editor, and shows Peter in the result pane',
    async () => {
      const { context, page, response, refused, errors } = await openOffline(browser, stack.gateway.explorerUrl!);
      expect(response?.status()).toBe(200);
      // Proof that the page may load nothing from elsewhere, whatever its scripts try.
      expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self';/);

      await explorerShown(page);
      const query = await textOf(page, '.graphiql-query-editor .view-lines');
      expect(query).toContain('user(psid: "1254459154682919")');
      expect(query).toMatch(/lastAdReferral \{\s+source\s+type\s+adId/);

      // The header editor opens with a template for the key; without a real one the gateway refuses.
      expect(await textOf(page, HEADERS_EDITOR)).toContain('"Authorization": "Bearer <one of');
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.graphiql-response').getByText('UNAUTHENTICATED').waitFor();

      await replaceEditorText(page, HEADERS_EDITOR, `{ "Authorization": "Bearer ${API_KEY}" }`);
      await page.locator('.graphiql-query-editor .monaco-editor').click();
      await page.keyboard.press('Control+Enter');
      await page.locator('.graphiql-response').getByText('"Peter"').waitFor();
      const result = await textOf(page, '.graphiql-response');
      expect(result).toContain('"firstName": "Peter"');
      expect(result).toContain('"adId": "6045246247433"');
      expect(result).not.toContain('errors');
      // The run is in GraphiQL's history, without the key: nothing secret stays in the browser.
      const stored = () => page.evaluate<string>('JSON.stringify({ ...localStorage })');
      await expect.poll(stored, { timeout: 10_000 }).toContain('lastAdReferral');
      expect(await stored()).not.toContain(API_KEY);

      expect(refused).toEqual([]);
      expect(errors.filter((error) => /Content Security Policy/i.test(error))).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'shows the schema with its descriptions in the documentation explorer',
    async () => {
      const { context, page, refused } = await openOffline(browser, stack.gateway.explorerUrl!);
      await explorerShown(page);
      await replaceEditorText(page, HEADERS_EDITOR, `{ "Authorization": "Bearer ${API_KEY}" }`);
      await page.getByLabel('Re-fetch GraphQL schema').click();
      await page.getByLabel('Show Documentation Explorer').click();
      await page.locator('.graphiql-doc-explorer').getByRole('link', { name: 'Query' }).first().click();
      const docs = page.locator('.graphiql-doc-explorer');
      await docs.getByText('Entry points for reading Messenger users').waitFor();
      expect(await docs.innerText()).toContain('One Messenger user by page-scoped user ID');
      expect(refused).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'links to the explorer from Apollo Sandbox’s page when Sandbox cannot load (offline)',
    async () => {
      const { context, page, refused } = await openOffline(browser, stack.gateway.url);
      await page.locator('#offline-explorer a').click();
      await page.waitForURL(stack.gateway.explorerUrl!);
      await explorerShown(page);
      // Sandbox itself is what needed the network.
      expect(refused.some((url) => new URL(url).hostname.endsWith('apollographql.com'))).toBe(true);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it('serves only the bundle’s own files, for GET and HEAD', async () => {
    const explorer = stack.gateway.explorerUrl!;
    expect((await fetch(`${explorer}/explorer.js`, { method: 'HEAD' })).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${explorer}/no-such-file.js`)).status).toBe(404);
    expect((await fetch(explorer, { method: 'POST' })).status).toBe(405);
    // An encoded path never reaches the file system: only names of the bundle's files are served.
    const traversal = await new Promise<number | undefined>((resolve, reject) => {
      request(`${explorer}/..%2f..%2fpackage.json`, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(traversal).toBe(404);
  });
});

describe('npm start in development', () => {
  it('names the explorer at start-up, and it answers there', async () => {
    await buildExplorer();
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-explorer-start-'));
    const gateway = spawnGateway({ NODE_ENV: 'development', DATA_DIR: dataDir });
    try {
      const line = await gateway.waitForLine(/built-in explorer needs no network: http:\/\/localhost:\d+\/explorer$/);
      const page = await fetch(line.url as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('explorer.js');
      expect(await gateway.stop()).toBe(0);
    } finally {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('in production', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', GATEWAY_API_KEYS: API_KEY } });
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it(
    'serves neither Apollo Sandbox nor the explorer',
    async () => {
      expect(stack.gateway.explorerUrl).toBeUndefined();
      const { context, page, response: explorer, refused } = await openOffline(browser, gatewayUrl(stack, '/explorer'));
      expect(explorer?.status()).toBe(404);
      expect(await page.content()).not.toContain('graphiql');

      const landing = await page.goto(stack.gateway.url);
      expect(landing?.status()).toBeGreaterThanOrEqual(400);
      const html = await page.content();
      expect(html).not.toMatch(/Sandbox|embeddable|offline-explorer/i);
      // Nothing on the page reached for Apollo's CDN, or for anything else off the gateway.
      expect(refused).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_MS,
  );
});
