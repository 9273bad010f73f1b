import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoUsers } from '../src/demo/emulator/data.js';
import { codesByPath, DEMO_PSIDS, deliver, referralDelivery, startStack, type Stack } from './helpers.js';

const P1 = '111111111111111';
const P2 = '222222222222222';
const T1 = 'EAAB-page-one-token';
const T2 = 'EAAB-page-two-token';
const S1 = 'secret-of-app-one';
const S2 = 'secret-of-app-two';
const ALICE = '9100000000000001'; // a user of Page 2 only
const PETER = DEMO_PSIDS.peter; // a user of Page 1 only

describe('several Pages', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      emulator: {
        pages: [
          { id: P1, token: T1, users: demoUsers() },
          { id: P2, token: T2, users: new Map([[ALICE, { kind: 'profile', profile: { first_name: 'Alice', last_name: 'Ng', profile_pic: 'https://x/p', locale: 'en_GB', timezone: 0, gender: 'female' } }]]) },
        ],
      },
      env: {
        PAGE_ACCESS_TOKEN: undefined,
        PAGES: JSON.stringify({ [P1]: { token: T1, appSecret: S1 }, [P2]: { token: T2, appSecret: S2 } }),
        WEBHOOK_VERIFY_TOKEN: 'v',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'pages-')),
        RATE_LIMIT_BACKOFF_MS: '60000',
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.emulator.reset());

  it("sends each Page's users with that Page's token", async () => {
    const res = await stack.query(`{
      a: user(psid: "${PETER}", pageId: "${P1}") { profile { firstName } }
      b: users(psids: ["${ALICE}"], pageId: "${P2}") { profile { firstName } }
    }`);
    expect(res.body).toEqual({ data: { a: { profile: { firstName: 'Peter' } }, b: [{ profile: { firstName: 'Alice' } }] } });
    const byToken = Object.fromEntries(stack.emulator.requests.map((r) => [r.params.access_token, r.batch?.map((b) => b.id)]));
    expect(byToken).toEqual({ [T1]: [PETER], [T2]: [ALICE] });
    expect(res.text).not.toContain(T1);
    expect(res.text).not.toContain(T2);
  });

  it('a PSID of another Page is NOT_FOUND', async () => {
    const res = await stack.query(`{ user(psid: "${PETER}", pageId: "${P2}") { profile { firstName } } }`);
    expect(codesByPath(res)).toEqual({ 'user.profile': 'NOT_FOUND' });
  });

  it('an unknown Page, or no Page where several are configured, is BAD_USER_INPUT with no upstream request', async () => {
    const unknown = await stack.query(`{ user(psid: "${PETER}", pageId: "333") { profile { firstName } } }`);
    expect(codesByPath(unknown)).toEqual({ user: 'BAD_USER_INPUT' });
    const missing = await stack.query(`{ users(psids: ["${PETER}"]) { profile { firstName } } }`);
    expect(codesByPath(missing)).toEqual({ users: 'BAD_USER_INPUT' });
    expect(missing.body.errors?.[0]?.message).toMatch(/pageId is required/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("keeps throttling per Page: one Page's exhausted quota does not stop the other", async () => {
    stack.emulator.injectFault({ headers: { 'x-business-use-case-usage': JSON.stringify({ [P1]: [{ type: 'messenger', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 5 }] }) } });
    await stack.query(`{ user(psid: "${PETER}", pageId: "${P1}") { profile { firstName } } }`);
    const p1 = await stack.query(`{ user(psid: "${PETER}", pageId: "${P1}") { profile { firstName } } }`);
    expect(p1.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 300 });
    const p2 = await stack.query(`{ user(psid: "${ALICE}", pageId: "${P2}") { profile { firstName } } }`);
    expect(p2.body).toEqual({ data: { user: { profile: { firstName: 'Alice' } } } });
  });

  it("routes webhook entries by Page id, each checked against its own app's secret", async () => {
    const webhook = stack.gateway.url.replace('/graphql', '/webhook');
    const ad = (id: string) => ({ source: 'ADS', type: 'OPEN_THREAD', ad_id: id });
    expect((await deliver(webhook, referralDelivery(P2, [{ psid: ALICE, timestamp: 1, referral: ad('22') }]), S2)).status).toBe(200);
    // Signed by app one, but for Page two: not taken.
    expect((await deliver(webhook, referralDelivery(P2, [{ psid: ALICE, timestamp: 2, referral: ad('11') }]), S1)).status).toBe(200);
    const q = (pageId: string) => stack.query(`{ user(psid: "${ALICE}", pageId: "${pageId}") { profile { lastAdReferral { adId } } } }`);
    expect((await q(P2)).body.data?.user.profile.lastAdReferral).toEqual({ adId: '22' });
    expect((await q(P1)).body.data?.user.profile.lastAdReferral).toBeNull();
  });
});

describe('PAGE_ACCESS_TOKEN with PAGES', () => {
  it('defaults to the PAGE_ACCESS_TOKEN Page', async () => {
    const stack = await startStack({
      emulator: { pages: [{ id: P1, token: T1, users: demoUsers() }, { id: P2, token: T2, users: new Map() }] },
      env: { PAGE_ACCESS_TOKEN: T1, PAGE_ID: P1, PAGES: JSON.stringify({ [P2]: { token: T2 } }) },
    });
    try {
      const res = await stack.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
      expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
      expect(stack.emulator.requests[0]?.params.access_token).toBe(T1);
    } finally {
      await stack.close();
    }
  });
});
