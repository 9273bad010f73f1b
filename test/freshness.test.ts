import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers, type UserRecord } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import {
  deliver,
  DEMO_PSIDS,
  generatedPsid,
  messagingDelivery,
  startGatewayFor,
  startStack,
  testClock,
  type MessagingKind,
  type Stack,
  type TestClock,
  type TestGateway,
} from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const SECRET = 'freshness-app-secret';
const PETER = DEMO_PSIDS.peter;
const CAPTURE = { WEBHOOK_VERIFY_TOKEN: 'verify-me', APP_SECRET: SECRET, PAGE_ID: DEMO_PAGE_ID };
const CACHE_ON = { PROFILE_CACHE_TTL: '300', NEGATIVE_CACHE_TTL: '60', RETRY_MAX: '0' };
const firstName = (psid: string) => `{ user(psid: "${psid}") { profile { firstName } } }`;
const CARD = (psid: string) => `{ user(psid: "${psid}") { profile { firstName lastName profilePic } } }`;

const authorized = (first: string): UserRecord => ({
  kind: 'profile',
  profile: { first_name: first, last_name: 'Mensah', profile_pic: 'https://cdn.example/p.jpg', locale: 'en_GB', timezone: 0, gender: 'female' },
});

const env = (extra: Record<string, string> = {}) => ({ ...CAPTURE, ...CACHE_ON, DATA_DIR: mkdtempSync(join(tmpdir(), 'freshness-')), ...extra });
const webhookOf = (gateway: { gateway: { webhookUrl: string } }) => gateway.gateway.webhookUrl;

describe('webhook events refresh a cached "no profile"', () => {
  let stack: Stack;
  let clock: TestClock;
  beforeEach(async () => {
    clock = testClock();
    stack = await startStack({ env: env(), clock: clock.now });
  });
  afterEach(() => stack.close());

  /** A user the cache holds as "no profile" who has just authorized the Page upstream. */
  async function cachedAsNoProfile(psid: string, first: string): Promise<void> {
    stack.emulator.setUser(psid, { kind: 'unauthorized' });
    expect((await stack.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
    stack.emulator.setUser(psid, authorized(first));
  }

  it.each(['message', 'postback', 'referral', 'optin'] as const)(
    '%s event: the very next query asks the Graph API again, without waiting for NEGATIVE_CACHE_TTL',
    async (kind) => {
      const psid = '8200000000000001';
      // The user accepts the conversation: the Graph API has a profile now, the cache still says none.
      await cachedAsNoProfile(psid, 'Abena');
      clock.advance(1);
      expect((await stack.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
      expect(stack.emulator.subRequests).toHaveLength(1);

      const res = await deliver(webhookOf(stack), messagingDelivery(DEMO_PAGE_ID, [{ psid, kind }]), SECRET);
      expect(res).toEqual({ status: 200, text: 'EVENT_RECEIVED' });
      expect((await stack.query(firstName(psid))).body).toEqual({ data: { user: { profile: { firstName: 'Abena' } } } });
      expect(stack.emulator.subRequests).toHaveLength(2);
    },
  );

  it("an echo of the Page's own message, or an event for a Page it does not serve, changes nothing", async () => {
    const psid = '8200000000000002';
    await cachedAsNoProfile(psid, 'Kwame');
    const echo = await deliver(webhookOf(stack), messagingDelivery(DEMO_PAGE_ID, [{ psid, kind: 'echo' }]), SECRET);
    const other = await deliver(webhookOf(stack), messagingDelivery('999999', [{ psid, kind: 'message' }]), SECRET);
    expect([echo.status, other.status]).toEqual([200, 200]);
    expect((await stack.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('leaves the cached profile of a known user fresh: the next query costs no lookup', async () => {
    await stack.query(firstName(PETER));
    await deliver(webhookOf(stack), messagingDelivery(DEMO_PAGE_ID, [{ psid: PETER, kind: 'message' }]), SECRET);
    expect((await stack.query(firstName(PETER))).body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('refuses an unsigned delivery and drops nothing', async () => {
    const psid = '8200000000000003';
    await cachedAsNoProfile(psid, 'Esi');
    const res = await deliver(webhookOf(stack), messagingDelivery(DEMO_PAGE_ID, [{ psid, kind: 'message' }]), SECRET, '');
    expect(res.status).toBe(401);
    expect((await stack.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
  });
});

describe('webhook events refresh a cached "no profile" on every instance sharing Redis', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  const gateways: TestGateway[] = [];
  beforeEach(async () => {
    redis = await startRedis();
    emulator = await GraphEmulator.start({ pages: [{ id: DEMO_PAGE_ID, token: 'EAAG-freshness-token', users: demoUsers() }] });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await emulator.close();
    await redis.stop();
  });

  it('an unauthorized user is null, authorizes, writes to the Page, and the very next query on either instance returns the profile', async () => {
    const start = async () => {
      const gateway = await startGatewayFor(emulator, {
        env: env({ PAGE_ACCESS_TOKEN: 'EAAG-freshness-token', REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000' }),
      });
      gateways.push(gateway);
      return gateway;
    };
    const [a, b] = [await start(), await start()];
    const psid = '8200000000000010';
    emulator.setUser(psid, { kind: 'unauthorized' });
    expect((await a.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
    expect((await b.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });
    // One lookup: the second instance answered from the shared "no profile".
    expect(emulator.subRequests).toHaveLength(1);

    emulator.setUser(psid, authorized('Yaw'));
    expect((await b.query(firstName(psid))).body).toEqual({ data: { user: { profile: null } } });

    // Delivered to one instance only.
    const res = await deliver(webhookOf(a), messagingDelivery(DEMO_PAGE_ID, [{ psid, kind: 'message' }]), SECRET);
    expect(res.status).toBe(200);
    expect((await b.query(firstName(psid))).body).toEqual({ data: { user: { profile: { firstName: 'Yaw' } } } });
    expect((await a.query(firstName(psid))).body).toEqual({ data: { user: { profile: { firstName: 'Yaw' } } } });
    // b asked the Graph API once more; a then found b's answer in Redis.
    expect(emulator.subRequests).toHaveLength(2);
  });
});

describe('PREFETCH_ON_MESSAGE', () => {
  let stack: Stack;
  afterEach(() => stack.close());
  const start = async (extra: Record<string, string> = {}) => {
    stack = await startStack({ env: env({ PREFETCH_ON_MESSAGE: 'true', ...extra }) });
    return stack;
  };
  const send = (events: { psid: string; kind: MessagingKind }[]) => deliver(webhookOf(stack), messagingDelivery(DEMO_PAGE_ID, events), SECRET);

  it('a message from a cold user leads to exactly one upstream lookup within a second, acknowledged first; the next query costs none', async () => {
    await start();
    const psid = generatedPsid(5);
    const res = await send([{ psid, kind: 'message' }]);
    expect(res.status).toBe(200);
    // Acknowledged without waiting: the prefetch had not even been sent.
    expect(stack.emulator.requests).toHaveLength(0);
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 1000, interval: 10 }).toBe(1);
    expect(stack.emulator.subRequests[0]).toMatchObject({ id: psid, fields: ['first_name', 'last_name', 'profile_pic'] });

    const card = await stack.query(CARD(psid));
    expect(card.body.data?.user.profile).toMatchObject({ firstName: expect.any(String), lastName: expect.any(String) });
    expect(card.body.errors).toBeUndefined();
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('events within the window share one batch, and users whose fields are fresh are not fetched again', async () => {
    // A long window, so that two separate deliveries fall inside it however busy the machine is.
    await start({ PREFETCH_WINDOW_MS: '2000' });
    await stack.query(CARD(PETER));
    stack.emulator.reset();
    const cold = [generatedPsid(20), generatedPsid(21), generatedPsid(22)];
    await send([{ psid: cold[0]!, kind: 'message' }, { psid: PETER, kind: 'message' }]);
    await send([{ psid: cold[1]!, kind: 'postback' }, { psid: cold[2]!, kind: 'optin' }, { psid: cold[0]!, kind: 'message' }]);
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 5000, interval: 20 }).toBe(3);
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests.map((s) => s.id).sort()).toEqual(cold);
  });

  it('sends at most 50 users per batch', async () => {
    await start();
    const psids = Array.from({ length: 60 }, (_, i) => generatedPsid(100 + i));
    await send(psids.map((psid) => ({ psid, kind: 'message' })));
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 5000, interval: 20 }).toBe(60);
    expect(stack.emulator.requests.map((r) => r.batch?.length).sort()).toEqual([10, 50]);
  });

  it('yields as a bulk caller: at 80 % reported usage a prefetch is shed, with no upstream call', async () => {
    await start();
    const usage = { [DEMO_PAGE_ID]: [{ type: 'messenger', call_count: 80, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 }] };
    stack.emulator.injectFault({ headers: { 'x-business-use-case-usage': JSON.stringify(usage) } });
    await stack.query(firstName(PETER));
    expect(stack.emulator.requests).toHaveLength(1);
    await send([{ psid: generatedPsid(9), kind: 'message' }]);
    const shed = async () => /gateway_caller_lookups_total\{caller="prefetch",result="shed"\} 1\b/.test(await (await fetch(new URL('/metrics', stack.gateway.url))).text());
    await expect.poll(shed, { timeout: 2000, interval: 20 }).toBe(true);
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it('asks for PREFETCH_FIELDS', async () => {
    await start({ PREFETCH_FIELDS: 'first_name, locale' });
    await send([{ psid: generatedPsid(7), kind: 'message' }]);
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 5000, interval: 20 }).toBe(1);
    expect(stack.emulator.subRequests[0]?.fields).toEqual(['first_name', 'locale']);
  });
});
