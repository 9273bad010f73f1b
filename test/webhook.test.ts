import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, deliver, postGraphQL, referralDelivery, startStack, type Stack } from './helpers.js';
import { spawnGateway, type GatewayProcess } from './process.js';

const SECRET = 'webhook-app-secret';
const VERIFY = 'verify-me';
const PETER = DEMO_PSIDS.peter;
const AD = { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433', ref: 'spring' };
const HEADLINE = `{ user(psid: "${PETER}") { profile { firstName lastAdReferral { source type adId } } } }`;
const ONLY_REFERRAL = `{ user(psid: "${PETER}") { profile { lastAdReferral { source type adId } } } }`;

const captureEnv = (dataDir: string) => ({ WEBHOOK_VERIFY_TOKEN: VERIFY, APP_SECRET: SECRET, PAGE_ID: DEMO_PAGE_ID, DATA_DIR: dataDir });

describe('webhook capture of ad referrals', () => {
  let stack: Stack;
  let webhook: string;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'referrals-'));
    stack = await startStack({ emulator: { appSecret: SECRET }, env: { ...captureEnv(dataDir), MAX_REQUEST_BYTES: '4096' } });
    webhook = stack.gateway.url.replace('/graphql', '/webhook');
  });
  afterAll(() => stack.close());

  it('answers the verification handshake only with the right token', async () => {
    const ok = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    for (const query of [`hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`, `hub.mode=unsubscribe&hub.verify_token=${VERIFY}&hub.challenge=1`, '']) {
      const res = await fetch(`${webhook}?${query}`);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('1');
    }
  });

  it('on v25.0, answers lastAdReferral from a signed delivery, with no error and no upstream request for it', async () => {
    expect((await stack.query(ONLY_REFERRAL)).body).toEqual({ data: { user: { profile: { lastAdReferral: null } } } });
    const res = await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 1000, referral: AD }]), SECRET);
    expect(res).toEqual({ status: 200, text: 'EVENT_RECEIVED' });

    stack.emulator.reset();
    const headline = await stack.query(HEADLINE);
    expect(headline.body).toEqual({
      data: { user: { profile: { firstName: 'Peter', lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' } } } },
    });
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name']]);

    stack.emulator.reset();
    const only = await stack.query(ONLY_REFERRAL);
    expect(only.body.data?.user.profile.lastAdReferral.adId).toBe('6045246247433');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('keeps the latest timestamp: late and repeated deliveries change nothing', async () => {
    const psid = DEMO_PSIDS.fractional;
    const q = `{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`;
    await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 2000, referral: { ...AD, ad_id: '222' } }]), SECRET);
    await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 1000, referral: { ...AD, ad_id: '111' } }]), SECRET);
    await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 2000, referral: { ...AD, ad_id: '222' } }]), SECRET);
    expect((await stack.query(q)).body.data?.user.profile.lastAdReferral).toEqual({ adId: '222' });
    await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 3000, referral: { source: 'SHORTLINK', type: 'OPEN_THREAD', ref: 'x' } }]), SECRET);
    expect((await stack.query(q)).body.data?.user.profile.lastAdReferral).toEqual({ adId: '222' });
  });

  it.each(['postback', 'message'] as const)('captures referrals inside %s events', async (where) => {
    const psid = where === 'postback' ? '7000000000000010' : '7000000000000011';
    const res = await deliver(webhook, referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 5, referral: { ...AD, ad_id: `9${psid.slice(-2)}` }, in: where }]), SECRET);
    expect(res.status).toBe(200);
    const q = await stack.query(`{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`);
    expect(q.body.data?.user.profile.lastAdReferral).toEqual({ adId: `9${psid.slice(-2)}` });
  });

  it.each([
    ['a forged signature', 'sha256=' + 'ab'.repeat(32), 403],
    ['a signature made with another secret', undefined, 403],
    ['no signature', '', 401],
  ])('refuses %s and stores nothing', async (_name, signature, status) => {
    const psid = '7000000000000020';
    const payload = referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 9, referral: AD }]);
    const res = await deliver(webhook, payload, signature === undefined ? 'not-the-secret' : SECRET, signature);
    expect(res.status).toBe(status);
    const q = await stack.query(`{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`);
    expect(q.body.data?.user.profile.lastAdReferral).toBeNull();
  });

  it('refuses malformed JSON with 400 and oversized bodies with 413', async () => {
    expect((await deliver(webhook, '{"object":"page",', SECRET)).status).toBe(400);
    expect((await deliver(webhook, '{"object":"user","entry":[]}', SECRET)).status).toBe(400);
    const big = JSON.stringify({ object: 'page', entry: [], pad: 'x'.repeat(5000) });
    expect((await deliver(webhook, big, SECRET)).status).toBe(413);
  });

  it('ignores entries for a Page it does not serve', async () => {
    const psid = '7000000000000030';
    const res = await deliver(webhook, referralDelivery('999999', [{ psid, timestamp: 1, referral: AD }]), SECRET);
    expect(res.status).toBe(200);
    const q = await stack.query(`{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`);
    expect(q.body.data?.user.profile.lastAdReferral).toBeNull();
  });

  it('writes nothing secret to the store', () => {
    const log = readFileSync(join(dataDir, 'referrals.jsonl'), 'utf8');
    expect(log).toContain('6045246247433');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(DEMO_PAGE_TOKEN);
  });
});

describe('webhook timestamps', () => {
  const psid = DEMO_PSIDS.fractional;
  const q = `{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`;
  const withTimestamp = (timestamp: string, adId: string) =>
    JSON.stringify(referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 0, referral: { ...AD, ad_id: adId } }])).replace('"timestamp":0', `"timestamp":${timestamp}`);

  it('skips and counts events whose timestamp is not a plausible time, acknowledges the delivery, and keeps later ones across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'referrals-timestamps-'));
    const start = () => startStack({ emulator: { appSecret: SECRET }, env: captureEnv(dataDir) });
    let stack = await start();
    try {
      const webhook = stack.gateway.url.replace('/graphql', '/webhook');
      for (const [timestamp, adId] of [['1e400', '1'], ['1e308', '2'], ['-5', '3'], ['12.5', '4'], [String(Date.now() + 7 * 86_400_000), '5'], ['"1000"', '6']]) {
        expect(await deliver(webhook, withTimestamp(timestamp!, adId!), SECRET)).toEqual({ status: 200, text: 'EVENT_RECEIVED' });
      }
      expect((await stack.query(q)).body.data?.user.profile.lastAdReferral).toBeNull();
      expect(await deliver(webhook, withTimestamp('5000', '7'), SECRET)).toEqual({ status: 200, text: 'EVENT_RECEIVED' });
      expect((await stack.query(q)).body.data?.user.profile.lastAdReferral).toEqual({ adId: '7' });
      const metrics = await stack.gateway.metrics.registry.metrics();
      expect(metrics).toMatch(/^gateway_webhook_events_skipped_total\{reason="timestamp"\} 6$/m);
    } finally {
      await stack.close();
    }
    stack = await start();
    try {
      expect((await stack.query(q)).body.data?.user.profile.lastAdReferral).toEqual({ adId: '7' });
    } finally {
      await stack.close();
    }
  });
});

describe('referrals survive restarts and crashes', () => {
  let emulator: GraphEmulator;
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    emulator = await GraphEmulator.start({ appSecret: SECRET });
  });
  afterAll(() => emulator.close());
  afterEach(() => {
    gateway?.child.kill('SIGKILL');
  });

  function startProcess(dataDir: string): Promise<string> {
    gateway = spawnGateway({ PAGE_ACCESS_TOKEN: DEMO_PAGE_TOKEN, GRAPH_API_URL: emulator.url, ...captureEnv(dataDir) });
    return gateway.ready();
  }

  it('answers a recorded referral after a clean restart and after a crash with a torn last line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'referrals-restart-'));
    let url = await startProcess(dataDir);
    const res = await deliver(url.replace('/graphql', '/webhook'), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 42, referral: AD }]), SECRET);
    expect(res.status).toBe(200);

    await gateway!.stop('SIGTERM');
    url = await startProcess(dataDir);
    const afterRestart = await postGraphQL<any>(url, { query: HEADLINE });
    expect(afterRestart.body.data?.user.profile.lastAdReferral).toEqual({ source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' });

    // A crash mid-write leaves a partial line behind.
    await gateway!.stop('SIGKILL');
    appendFileSync(join(dataDir, 'referrals.jsonl'), '{"pageId":"104285395231234","psid":"12');
    url = await startProcess(dataDir);
    const afterCrash = await postGraphQL<any>(url, { query: HEADLINE });
    expect(afterCrash.body).toEqual({
      data: { user: { profile: { firstName: 'Peter', lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' } } } },
    });
  });
});
