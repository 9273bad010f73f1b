import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';

/** Debian's chromium package (scripts/ensure-chromium.sh installs it); CHROMIUM_PATH for another build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium driven by playwright-core, which downloads no browser of its own. Each launch
 * gets a fresh temporary profile from playwright, deleted when the browser closes. Fails, never
 * skips, when Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}. The browser tests drive Debian's chromium package: ` +
        'install it with `bash scripts/ensure-chromium.sh` (npm test runs it first) or `apt-get install -y chromium`, ' +
        'or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Nothing but the loopback resolves: the browser cannot reach anything off this machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A browser context as on a machine without internet, which records what it would have fetched from elsewhere. */
interface OfflineContext {
  readonly context: BrowserContext;
  /** URLs the pages asked for outside the loopback, refused. */
  readonly refused: string[];
  /** Console errors and uncaught exceptions of its pages. */
  readonly errors: string[];
}

async function offlineContext(browser: Browser): Promise<OfflineContext> {
  const context = await browser.newContext();
  const refused: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    refused.push(url.href);
    return route.abort('internetdisconnected');
  });
  context.on('page', (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });
  return { context, refused, errors };
}

/** A new page of a new offline context, opened at `url`. */
export async function openOffline(browser: Browser, url: string): Promise<OfflineContext & { readonly page: Page; readonly response: Response | null }> {
  const offline = await offlineContext(browser);
  const page = await offline.context.newPage();
  const response = await page.goto(url);
  return { ...offline, page, response };
}
