import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { launchChromium, openOffline } from './browser.js';
import { DEMO_PSIDS, startGatewayFor, testClock, type TestGateway } from './helpers.js';

const API_KEY = 'avatar-browser-api-key-0123456789';
const BROWSER_TEST_MS = 60_000;
const THREE_DAYS = 3 * 24 * 3600;

/**
 * A contact list as a console on another origin would render it: an <img> whose src is the
 * avatarUrl the console kept. The page says once the picture loaded (or failed) and how wide it is.
 */
function consolePage(avatarUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Contacts</title>
<img id="avatar" alt="" src="${avatarUrl}">
<script>
  const img = document.getElementById('avatar');
  const done = () => { document.title = 'done ' + img.naturalWidth; };
  img.complete ? done() : (img.onload = img.onerror = done);
</script>`;
}

describe('avatarUrl in a real browser, on another origin', () => {
  const clock = testClock();
  let emulator: GraphEmulator;
  let gateway: TestGateway;
  let browser: Browser;
  let site: Server;
  let siteUrl = '';
  let html = '';

  beforeAll(async () => {
    emulator = await GraphEmulator.start({ servePictures: true, clock: clock.now });
    gateway = await startGatewayFor(emulator, {
      env: { AVATAR_SIGNING_KEY: 'browser-avatar-signing-key-0123456789', AVATAR_HOSTS: new URL(emulator.url).host, GATEWAY_API_KEYS: API_KEY },
      clock: clock.now,
    });
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await gateway?.close();
    await emulator?.close();
  });

  it(
    'renders the picture (naturalWidth > 0) before and after the source URL expired',
    async () => {
      const res = await gateway.query(`{ user(psid: "${DEMO_PSIDS.peter}") { profile { avatarUrl } } }`, {}, { authorization: `Bearer ${API_KEY}` });
      const avatarUrl: string = res.body.data?.user.profile.avatarUrl;
      expect(new URL(avatarUrl).origin).not.toBe(new URL(siteUrl).origin);
      html = consolePage(avatarUrl);

      const before = await openOffline(browser, siteUrl);
      await before.page.waitForFunction("document.title.startsWith('done')");
      expect(await before.page.title()).toBe('done 32');
      await before.context.close();
      expect(emulator.pictureRequests).toHaveLength(1);

      // Days later: the CDN URL the gateway fetched from has expired; the kept avatarUrl still shows.
      clock.advance(THREE_DAYS + 60);
      const after = await openOffline(browser, siteUrl);
      await after.page.waitForFunction("document.title.startsWith('done')");
      expect(await after.page.title()).toBe('done 32');
      expect(after.errors).toEqual([]);
      expect(after.refused).toEqual([]);
      await after.context.close();
      expect(emulator.pictureRequests).toHaveLength(2);
    },
    BROWSER_TEST_MS,
  );
});
