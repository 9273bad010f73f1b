import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { profileKey } from '../src/cache/keys.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { instagramUser, messengerUser, parseIgsid, parsePsid } from '../src/core/ids.js';
import { DEMO_IGSIDS, DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_PAGE_ID, demoInstagramUsers, demoUsers } from '../src/demo/emulator/data.js';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { codesByPath, deliver, DEMO_PSIDS, startGatewayFor, startStack, useClockedStack, useStack, type Stack, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const INSTAGRAM = { PAGE_ID: DEMO_PAGE_ID, INSTAGRAM_ACCOUNT_ID: DEMO_INSTAGRAM_ACCOUNT_ID };
const FULL = `query($i: ID!) { instagramUser(igsid: $i) { igsid profile {
  name username profilePic followerCount isVerifiedUser isUserFollowBusiness isBusinessFollowUser source fetchedAt
} } }`;
const NAME = `query($i: ID!) { instagramUser(igsid: $i) { profile { name username } } }`;

describe('instagramUser', () => {
  const stack = useStack({ env: INSTAGRAM });

  it('reads every field of an IGSID with the Page token, in one batch sub-request asking only for the selection', async () => {
    const res = await stack.query(FULL, { i: DEMO_IGSIDS.full });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.instagramUser).toMatchObject({
      igsid: DEMO_IGSIDS.full,
      profile: {
        name: 'Marta Souza',
        username: 'marta.souza',
        profilePic: expect.stringContaining('cdninstagram.com'),
        followerCount: 1824,
        isVerifiedUser: true,
        isUserFollowBusiness: true,
        isBusinessFollowUser: false,
        source: 'GRAPH_API',
        fetchedAt: expect.any(String),
      },
    });
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.requests[0]!.params.access_token).toBe('EMULATOR-DEMO-PAGE-TOKEN');
    expect(stack.emulator.subRequests).toEqual([
      expect.objectContaining({
        id: DEMO_IGSIDS.full,
        fields: ['name', 'username', 'profile_pic', 'follower_count', 'is_verified_user', 'is_user_follow_business', 'is_business_follow_user'],
      }),
    ]);
  });

  it('one operation mixing Messenger and Instagram users of the Page is one upstream batch call', async () => {
    const res = await stack.query(`{
      user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } }
      instagramUsers(igsids: ["${DEMO_IGSIDS.full}", "${DEMO_IGSIDS.noFollowers}"]) { igsid profile { username } }
    }`);
    expect(res.body).toEqual({
      data: {
        user: { profile: { firstName: 'Peter' } },
        instagramUsers: [
          { igsid: DEMO_IGSIDS.full, profile: { username: 'marta.souza' } },
          { igsid: DEMO_IGSIDS.noFollowers, profile: { username: 'ola_berg' } },
        ],
      },
    });
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests.map((s) => s.relativeUrl).sort()).toEqual(
      [`${DEMO_PSIDS.peter}?fields=first_name`, `${DEMO_IGSIDS.full}?fields=username`, `${DEMO_IGSIDS.noFollowers}?fields=username`].sort(),
    );
  });

  it.each([
    ['no consent (only commented: 230 "User consent is required")', DEMO_IGSIDS.noConsent],
    ['blocked the business (an answer without fields)', DEMO_IGSIDS.blocked],
  ])('%s: profile null, no error', async (_case, igsid) => {
    const res = await stack.query(NAME, { i: igsid });
    expect(res.body).toEqual({ data: { instagramUser: { profile: null } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('follower_count 0 is 0, and a user with only a username has null name and picture but a profile', async () => {
    const res = await stack.query(`{
      a: instagramUser(igsid: "${DEMO_IGSIDS.noFollowers}") { profile { followerCount } }
      b: instagramUser(igsid: "${DEMO_IGSIDS.usernameOnly}") { profile { name username profilePic } }
    }`);
    expect(res.body).toEqual({
      data: { a: { profile: { followerCount: 0 } }, b: { profile: { name: null, username: 'k.tanaka', profilePic: null } } },
    });
  });

  it('an IGSID the account does not know (9010) is NOT_FOUND', async () => {
    stack.emulator.setInstagramUser('6620000000000099', { kind: 'deleted' });
    const res = await stack.query(NAME, { i: '6620000000000099' });
    expect(codesByPath(res)).toEqual({ 'instagramUser.profile': 'NOT_FOUND' });
  });

  it('code 230 on Messenger: "User consent is required" is no profile, "Requires pages_messaging permission" a permission error naming it', async () => {
    stack.emulator.setUser('8300000000000001', { kind: 'error', error: GraphErrors.consentRequired });
    stack.emulator.setUser('8300000000000002', {
      kind: 'error',
      error: () => ({ status: 403, error: { message: '(#230) Requires pages_messaging permission to manage the object', type: 'OAuthException', code: 230 } }),
    });
    const res = await stack.query(`{
      a: user(psid: "8300000000000001") { profile { firstName } }
      b: user(psid: "8300000000000002") { profile { firstName } }
    }`);
    expect(res.body.data).toEqual({ a: { profile: null }, b: { profile: null } });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['b', 'profile'], extensions: { code: 'PERMISSION_REQUIRED', permission: 'pages_messaging' } });
  });

  it('a missing Instagram permission is PERMISSION_REQUIRED at each field, naming it; Messenger fields of the same operation are unaffected', async () => {
    stack.emulator.setPermissions(['pages_user_locale', 'pages_user_timezone', 'pages_user_gender', 'instagram_basic']);
    try {
      const res = await stack.query(`{
        user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } }
        instagramUser(igsid: "${DEMO_IGSIDS.full}") { profile { name username } }
      }`);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } }, instagramUser: { profile: { name: null, username: null } } });
      expect(codesByPath(res)).toEqual({ 'instagramUser.profile.name': 'PERMISSION_REQUIRED', 'instagramUser.profile.username': 'PERMISSION_REQUIRED' });
      for (const error of res.body.errors!) expect(error.extensions).toMatchObject({ permission: 'instagram_manage_messages' });
      expect(res.body.errors![0]!.message).toBe('name needs instagram_manage_messages, which the Page\'s app does not have.');
    } finally {
      stack.emulator.setPermissions(['pages_user_locale', 'pages_user_timezone', 'pages_user_gender', 'instagram_basic', 'instagram_manage_messages']);
    }
  });

  it.each(['abc', '1'.repeat(33), '', '12/accounts', '-1'])('IGSID %j is BAD_USER_INPUT before any upstream call', async (igsid) => {
    const res = await stack.query(NAME, { i: igsid });
    expect(res.body.errors?.[0]).toMatchObject({ message: 'An IGSID is 1 to 32 decimal digits.', extensions: { code: 'BAD_USER_INPUT', argument: 'igsid' } });
    const list = await stack.query(`query($i: [ID!]!) { instagramUsers(igsids: $i) { igsid } }`, { i: [DEMO_IGSIDS.full, igsid] });
    expect(list.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('IGSIDs count toward MAX_PSIDS_PER_OPERATION, apart from PSIDs with the same digits', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(6650000000000000 + i));
    const query = `query($p: [ID!]!, $i: [ID!]!, $j: [ID!]!, $k: [ID!]!) {
      users(psids: $p) { psid } a: instagramUsers(igsids: $i) { igsid } b: instagramUsers(igsids: $j) { igsid } c: instagramUsers(igsids: $k) { igsid }
    }`;
    // 100 PSIDs and the same 100 digits as IGSIDs, twice more: 200 distinct users, under 250.
    const under = await stack.query(query, { p: ids, i: ids, j: ids, k: ids.slice(0, 50) });
    expect(under.body.errors).toBeUndefined();
    const over = await stack.query(query, { p: ids, i: ids, j: ids.map((id) => `7${id.slice(1)}`), k: ids.slice(0, 50) });
    expect(over.body.errors?.[0]).toMatchObject({ message: 'This operation asks for 300 distinct PSIDs; at most 250 are allowed.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('more than 100 IGSIDs in one call is BAD_USER_INPUT', async () => {
    const igsids = Array.from({ length: 101 }, (_, i) => String(6650000000000000 + i));
    const res = await stack.query(`query($i: [ID!]!) { instagramUsers(igsids: $i) { igsid } }`, { i: igsids });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('id is opaque, stable and built from the Page and the IGSID; selecting only ids asks nothing upstream', async () => {
    const res = await stack.query(`{ instagramUser(igsid: "${DEMO_IGSIDS.full}") { id igsid } }`);
    const id = res.body.data?.instagramUser.id as string;
    expect(Buffer.from(id, 'base64url').toString()).toBe(`InstagramUser:${DEMO_PAGE_ID}:${DEMO_IGSIDS.full}`);
    expect((await stack.query(`{ instagramUser(igsid: "${DEMO_IGSIDS.full}") { id } }`)).body.data?.instagramUser.id).toBe(id);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('pageStatus lists the Instagram fields, and probeIgsid learns their access with one call', async () => {
    const query = `query($p: ID) { pageStatus(probeIgsid: $p) { instagramAccountId instagramFields { field graphField permission status } } }`;
    const before = await stack.query(query);
    expect(before.body.data?.pageStatus.instagramAccountId).toBe(DEMO_INSTAGRAM_ACCOUNT_ID);
    expect(before.body.data?.pageStatus.instagramFields).toContainEqual({
      field: 'followerCount',
      graphField: 'follower_count',
      permission: 'instagram_manage_messages',
      status: expect.stringMatching(/UNKNOWN|AVAILABLE/),
    });
    const probed = await stack.query(query, { p: DEMO_IGSIDS.full });
    expect(probed.body.data?.pageStatus.instagramFields.map((f: { status: string }) => f.status)).toEqual(Array(7).fill('AVAILABLE'));
    expect(stack.emulator.requests).toHaveLength(1);
  });
});

describe('configuration of the Instagram account', () => {
  const single = { PAGE_ACCESS_TOKEN: 't', PAGE_ID: '1001' };

  it('INSTAGRAM_ACCOUNT_ID names the account of the single Page; PAGES entries their own', () => {
    expect(loadConfig({ ...single, INSTAGRAM_ACCOUNT_ID: '17841400000000009' }).instagramAccountId).toBe('17841400000000009');
    const config = loadConfig({ PAGES: JSON.stringify({ 1002: { token: 'u', instagramAccountId: '17841400000000010' } }) });
    expect(config.extraPages[0]?.instagramAccountId).toBe('17841400000000010');
  });

  it.each([
    [{ ...single, INSTAGRAM_ACCOUNT_ID: 'me' }, /^Invalid configuration: INSTAGRAM_ACCOUNT_ID must be a numeric/],
    [{ PAGE_ACCESS_TOKEN: 't', INSTAGRAM_ACCOUNT_ID: '17841400000000009' }, /^Invalid configuration: INSTAGRAM_ACCOUNT_ID needs PAGE_ACCESS_TOKEN and PAGE_ID/],
    [{ PAGES: JSON.stringify({ 1002: { token: 'u', instagramAccountId: 17841400000000010 } }) }, /^Invalid configuration: PAGES\[1002\] has an instagramAccountId that is not a numeric id string/],
    [
      { ...single, INSTAGRAM_ACCOUNT_ID: '17841400000000009', PAGES: JSON.stringify({ 1002: { token: 'u', instagramAccountId: '17841400000000009' } }) },
      /^Invalid configuration: INSTAGRAM_ACCOUNT_ID names one Instagram account for two Pages/,
    ],
  ])('refuses %j at start-up, naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrowError(ConfigError);
    expect(() => loadConfig(env)).toThrowError(message);
  });
});

describe('a Page without an Instagram account', () => {
  const stack = useStack();

  it('instagramUser is a clear BAD_USER_INPUT, with no upstream call', async () => {
    const res = await stack.query(NAME, { i: DEMO_IGSIDS.full });
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'This Page has no Instagram account configured: set instagramAccountId for it in PAGES (or INSTAGRAM_ACCOUNT_ID).',
      extensions: { code: 'BAD_USER_INPUT', argument: 'pageId' },
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('pageStatus has no Instagram fields', async () => {
    const res = await stack.query('{ pageStatus { instagramAccountId instagramFields { field } } }');
    expect(res.body.data?.pageStatus).toEqual({ instagramAccountId: null, instagramFields: [] });
  });
});

describe('Instagram field availability by Graph API version', () => {
  let stack: Stack;
  afterEach(() => stack.close());

  it.each([
    ['v13.0', ['username']],
    ['v11.0', ['username', 'followerCount', 'isVerifiedUser', 'isUserFollowBusiness', 'isBusinessFollowUser']],
  ])('on %s, %j are FIELD_UNAVAILABLE at the field, never asked upstream; the rest is answered', async (version, missing) => {
    stack = await startStack({ env: { ...INSTAGRAM, GRAPH_API_VERSION: version }, emulator: { honorExpiredVersions: true } });
    const res = await stack.query(FULL, { i: DEMO_IGSIDS.full });
    expect(res.body.data?.instagramUser.profile.name).toBe('Marta Souza');
    const codes = codesByPath(res);
    expect(Object.keys(codes).sort()).toEqual(missing.map((field) => `instagramUser.profile.${field}`).sort());
    expect(new Set(Object.values(codes))).toEqual(new Set(['FIELD_UNAVAILABLE']));
    const asked = stack.emulator.subRequests[0]!.fields!;
    const GRAPH: Record<string, string> = {
      username: 'username',
      followerCount: 'follower_count',
      isVerifiedUser: 'is_verified_user',
      isUserFollowBusiness: 'is_user_follow_business',
      isBusinessFollowUser: 'is_business_follow_user',
    };
    for (const field of missing) expect(asked).not.toContain(GRAPH[field]);
    expect(asked).toContain('name');
  });
});

describe('Instagram profiles in the cache', () => {
  const stack = useStack({ env: { ...INSTAGRAM, PROFILE_CACHE_TTL: '300', NEGATIVE_CACHE_TTL: '60' } });

  it('the second read is a cache hit, with no upstream call', async () => {
    const first = await stack.query(FULL, { i: DEMO_IGSIDS.noFollowers });
    expect(first.body.data?.instagramUser.profile.source).toBe('GRAPH_API');
    const second = await stack.query(FULL, { i: DEMO_IGSIDS.noFollowers });
    expect(second.body.data?.instagramUser.profile).toMatchObject({ source: 'CACHE', followerCount: 0, username: 'ola_berg' });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('a PSID and an IGSID with the same digits have different cache keys', () => {
    const digits = '1254459154682919';
    expect(profileKey('page-1', messengerUser(parsePsid(digits)!))).not.toBe(profileKey('page-1', instagramUser(parseIgsid(digits)!)));
    // A PSID keeps the key it had before Instagram users existed.
    expect(profileKey('page-1', messengerUser(parsePsid(digits)!))).toBe(`messenger-profile:v1:page-1:${digits}`);
  });
});

describe('Instagram profiles past their TTL', () => {
  const { start, clock } = useClockedStack({ env: { ...INSTAGRAM, PROFILE_CACHE_TTL: '300', PROFILE_STALE_TTL: '86400', RETRY_MAX: '0' } });

  it('stand in for a failing Graph API, marked STALE_CACHE and listed in extensions.stale', async () => {
    const stack = await start();
    await stack.query(NAME, { i: DEMO_IGSIDS.full });
    clock.advance(400);
    stack.emulator.injectFault({ error: GraphErrors.serviceError() });
    const res = await stack.query(`{ instagramUser(igsid: "${DEMO_IGSIDS.full}") { profile { name username source } } }`);
    expect(res.body).toMatchObject({
      data: { instagramUser: { profile: { name: 'Marta Souza', username: 'marta.souza', source: 'STALE_CACHE' } } },
      extensions: { stale: [{ path: ['instagramUser', 'profile'], ageSeconds: 400 }] },
    });
    expect(res.body.errors).toBeUndefined();
    expect(stack.emulator.subRequests).toHaveLength(2);
  });
});

describe('Instagram webhook deliveries', () => {
  const SECRET = 'instagram-app-secret';
  const OTHER_SECRET = 'other-page-secret';
  const OTHER_PAGE = '200000000000002';
  const OTHER_INSTAGRAM = '17841400000000002';
  const TOKEN = 'EAAG-instagram-token';
  let redis: RedisServer;
  let emulator: GraphEmulator;
  const gateways: TestGateway[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    emulator = await GraphEmulator.start({
      pages: [
        { id: DEMO_PAGE_ID, token: TOKEN, users: demoUsers(), instagramAccountId: DEMO_INSTAGRAM_ACCOUNT_ID, instagramUsers: demoInstagramUsers() },
        { id: OTHER_PAGE, token: 'EAAG-other-token', users: new Map(), instagramAccountId: OTHER_INSTAGRAM, instagramUsers: new Map() },
      ],
    });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await emulator.close();
  });

  const start = async (extra: Record<string, string> = {}) => {
    const gateway = await startGatewayFor(emulator, {
      env: {
        PAGES: JSON.stringify({
          [DEMO_PAGE_ID]: { token: TOKEN, appSecret: SECRET, instagramAccountId: DEMO_INSTAGRAM_ACCOUNT_ID },
          [OTHER_PAGE]: { token: 'EAAG-other-token', appSecret: OTHER_SECRET, instagramAccountId: OTHER_INSTAGRAM },
        }),
        PAGE_ACCESS_TOKEN: undefined,
        WEBHOOK_VERIFY_TOKEN: 'verify-me',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'instagram-')),
        PROFILE_CACHE_TTL: '300',
        NEGATIVE_CACHE_TTL: '60',
        RETRY_MAX: '0',
        REDIS_URL: redis.url,
        REDIS_TIMEOUT_MS: '1000',
        ...extra,
      },
    });
    gateways.push(gateway);
    return gateway;
  };
  const message = (accountId: string, igsid: string) => ({
    object: 'instagram',
    entry: [
      {
        id: accountId,
        time: 1_700_000_000_000,
        messaging: [{ sender: { id: igsid }, recipient: { id: accountId }, timestamp: 1_700_000_000_000, message: { mid: 'aWdf', text: 'hi' } }],
      },
    ],
  });
  const name = (igsid: string) => `{ instagramUser(igsid: "${igsid}", pageId: "${DEMO_PAGE_ID}") { profile { name } } }`;

  it('a message from an IGSID drops its cached "no profile" on another instance sharing Redis', async () => {
    const [a, b] = [await start(), await start()];
    const igsid = '6620000000000042';
    emulator.setInstagramUser(igsid, { kind: 'no-consent' });
    expect((await a.query(name(igsid))).body).toEqual({ data: { instagramUser: { profile: null } } });
    expect((await b.query(name(igsid))).body).toEqual({ data: { instagramUser: { profile: null } } });
    expect(emulator.subRequests).toHaveLength(1);

    // The user writes to the business: consent is given upstream, the cache still says none.
    emulator.setInstagramUser(igsid, { kind: 'profile', profile: { ...PROFILE, name: 'Rui Lopes' } });
    expect((await b.query(name(igsid))).body).toEqual({ data: { instagramUser: { profile: null } } });

    const res = await deliver(a.gateway.webhookUrl, message(DEMO_INSTAGRAM_ACCOUNT_ID, igsid), SECRET);
    expect(res.status).toBe(200);
    expect((await b.query(name(igsid))).body).toEqual({ data: { instagramUser: { profile: { name: 'Rui Lopes' } } } });
    expect(emulator.subRequests).toHaveLength(2);
  });

  it('an unsigned delivery is refused, a badly signed one too, and one signed by another Page\'s secret changes nothing', async () => {
    const a = await start();
    const igsid = '6620000000000043';
    emulator.setInstagramUser(igsid, { kind: 'no-consent' });
    await a.query(name(igsid));
    emulator.setInstagramUser(igsid, { kind: 'profile', profile: { ...PROFILE, name: 'Ana' } });
    const delivery = message(DEMO_INSTAGRAM_ACCOUNT_ID, igsid);

    expect((await deliver(a.gateway.webhookUrl, delivery, SECRET, '')).status).toBe(401);
    expect((await deliver(a.gateway.webhookUrl, delivery, 'not-the-secret')).status).toBe(403);
    // Signed by the other Page's app: a valid signature, but not for this account's Page.
    expect((await deliver(a.gateway.webhookUrl, delivery, OTHER_SECRET)).status).toBe(200);
    expect((await a.query(name(igsid))).body).toEqual({ data: { instagramUser: { profile: null } } });
    expect(emulator.subRequests).toHaveLength(1);
  });

  it('with PREFETCH_ON_MESSAGE, a message warms the Instagram profile with the Instagram fields', async () => {
    const a = await start({ PREFETCH_ON_MESSAGE: 'true' });
    const res = await deliver(a.gateway.webhookUrl, message(DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_IGSIDS.full), SECRET);
    expect(res.status).toBe(200);
    await expect.poll(() => emulator.subRequests.length, { timeout: 2000, interval: 10 }).toBe(1);
    expect(emulator.subRequests[0]).toMatchObject({
      id: DEMO_IGSIDS.full,
      fields: ['name', 'username', 'profile_pic', 'follower_count', 'is_verified_user', 'is_user_follow_business', 'is_business_follow_user'],
    });
    const read = await a.query(name(DEMO_IGSIDS.full));
    expect(read.body).toEqual({ data: { instagramUser: { profile: { name: 'Marta Souza' } } } });
    expect(emulator.subRequests).toHaveLength(1);
  });
});

const PROFILE = {
  name: 'x',
  username: 'x',
  profile_pic: null,
  follower_count: 3,
  is_verified_user: false,
  is_user_follow_business: true,
  is_business_follow_user: false,
};
