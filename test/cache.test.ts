import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatedProfile, UserRecord } from '../src/demo/emulator/data.js';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { bucUsage, codesByPath, DEMO_PSIDS, gate, generatedPsid, startStack, testClock, type Stack, type TestClock, WITHOUT_RESILIENCE } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const profileQuery = (psid: string, selection: string) => `{ user(psid: "${psid}") { profile { ${selection} } } }`;
const CACHE_ON = { PROFILE_CACHE_TTL: '300', NEGATIVE_CACHE_TTL: '60', PROFILE_STALE_TTL: '86400', ...WITHOUT_RESILIENCE };

function emulatedProfile(first: string, pictureExpiresAt: number): EmulatedProfile {
  return {
    first_name: first,
    last_name: 'Okafor',
    profile_pic: `https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=8100000000000001&ext=${Math.floor(pictureExpiresAt / 1000)}&hash=AT1`,
    locale: 'en_NG',
    timezone: 1,
    gender: 'female',
  };
}

const profileUser = (first: string, pictureExpiresAt: number): UserRecord => ({ kind: 'profile', profile: emulatedProfile(first, pictureExpiresAt) });

describe('profile cache (in-memory store)', () => {
  let stack: Stack;
  let clock: TestClock;
  beforeEach(async () => {
    clock = testClock();
    stack = await startStack({ env: CACHE_ON, clock: clock.now });
  });
  afterEach(() => stack.close());

  it('answers a repeat within the TTL without an upstream request', async () => {
    const first = await stack.query(profileQuery(PETER, 'firstName lastName'));
    clock.advance(299);
    const again = await stack.query(profileQuery(PETER, 'lastName firstName'));
    expect(again.body).toEqual(first.body);
    expect(again.body).toEqual({ data: { user: { profile: { firstName: 'Peter', lastName: 'Chang' } } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('counts hits, partial hits, misses and stale answers on /metrics', async () => {
    const count = async (result: string) => {
      const text = await (await fetch(stack.gateway.url.replace('/graphql', '/metrics'))).text();
      return Number(new RegExp(`^gateway_cache_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    await stack.query(profileQuery(PETER, 'firstName'));
    await stack.query(profileQuery(PETER, 'firstName'));
    await stack.query(profileQuery(PETER, 'firstName lastName'));
    clock.advance(400);
    stack.emulator.injectFault({ error: GraphErrors.serviceError() });
    await stack.query(profileQuery(PETER, 'firstName'));
    expect([await count('miss'), await count('hit'), await count('partial'), await count('stale')]).toEqual([1, 1, 1, 1]);
  });

  it('asks upstream only for the fields it lacks', async () => {
    await stack.query(profileQuery(PETER, 'firstName'));
    const res = await stack.query(profileQuery(PETER, 'firstName lastName'));
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter', lastName: 'Chang' } } } });
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name'], ['last_name']]);
    expect(stack.emulator.requests).toHaveLength(2);
  });

  it('merges cache hits and misses of many users into one upstream batch', async () => {
    const cached = [generatedPsid(10), generatedPsid(11)];
    await stack.query(`query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`, { p: cached });
    stack.emulator.reset();
    const all = [...cached, generatedPsid(12), generatedPsid(13)];
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`, { p: all });
    expect(res.body.data?.users.every((u: { profile: unknown }) => u.profile !== null)).toBe(true);
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests.map((s) => s.id)).toEqual([generatedPsid(12), generatedPsid(13)]);
  });

  it('asks again once the TTL has passed', async () => {
    await stack.query(profileQuery(PETER, 'firstName'));
    clock.advance(301);
    await stack.query(profileQuery(PETER, 'firstName'));
    expect(stack.emulator.subRequests).toHaveLength(2);
  });

  it('never serves a profile_pic past the expiry in its URL', async () => {
    const psid = '8100000000000001';
    stack.emulator.setUser(psid, profileUser('Ada', clock.now() + 100_000));
    await stack.query(profileQuery(psid, 'firstName profilePic'));
    clock.advance(150);
    const res = await stack.query(profileQuery(psid, 'firstName profilePic'));
    expect(res.body.data?.user.profile.profilePic).toMatch(/ext=\d+/);
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name', 'profile_pic'], ['profile_pic']]);
  });

  it.each([
    ['never authorized ({})', DEMO_PSIDS.unauthorized],
    ['phone-number-only account (2018218)', DEMO_PSIDS.phoneOnly],
  ])('caches "no profile" (%s) for NEGATIVE_CACHE_TTL', async (_name, psid) => {
    const first = await stack.query(profileQuery(psid, 'firstName'));
    expect(first.body).toEqual({ data: { user: { profile: null } } });
    clock.advance(59);
    const cached = await stack.query(profileQuery(psid, 'firstName lastName'));
    expect(cached.body).toEqual({ data: { user: { profile: null } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
    clock.advance(2);
    await stack.query(profileQuery(psid, 'firstName'));
    expect(stack.emulator.subRequests).toHaveLength(2);
  });

  it('keeps a user who lacks one field apart from a user with no profile', async () => {
    await stack.query(profileQuery(PETER, 'firstName'));
    // The emulator leaves out fields that are undefined, as the Graph API leaves out what a user has not shared.
    const withoutGender = { ...emulatedProfile('Peter', clock.now() + 1e9), gender: undefined } as unknown as EmulatedProfile;
    stack.emulator.setUser(PETER, { kind: 'profile', profile: withoutGender });
    const res = await stack.query(profileQuery(PETER, 'firstName gender'));
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter', gender: null } } } });
    const again = await stack.query(profileQuery(PETER, 'firstName gender'));
    expect(again.body).toEqual(res.body);
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name'], ['gender']]);
  });

  it('never caches errors', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await stack.query(profileQuery(DEMO_PSIDS.deleted, 'firstName'));
      expect(codesByPath(res)).toEqual({ 'user.profile': 'NOT_FOUND' });
    }
    stack.emulator.injectFault({ error: GraphErrors.rateLimited(32) });
    const limited = await stack.query(profileQuery(PETER, 'firstName'));
    expect(codesByPath(limited)).toEqual({ 'user.profile': 'RATE_LIMITED' });
    const after = await stack.query(profileQuery(PETER, 'firstName'));
    expect(after.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(stack.emulator.subRequests).toHaveLength(4);
  });

  it('does not cache a field that came back with an error', async () => {
    stack.emulator.setPermissions(['pages_user_timezone']);
    const denied = await stack.query(profileQuery(PETER, 'locale'));
    expect(codesByPath(denied)).toEqual({ 'user.profile.locale': 'PERMISSION_REQUIRED' });
    stack.emulator.setPermissions(['pages_user_locale', 'pages_user_timezone', 'pages_user_gender']);
    const granted = await stack.query(profileQuery(PETER, 'locale'));
    expect(granted.body).toEqual({ data: { user: { profile: { locale: 'en_US' } } } });
  });

  describe('stale on error', () => {
    it.each([
      ['unavailable', GraphErrors.serviceError()],
      ['rate limited', GraphErrors.rateLimited(32)],
    ])('serves an expired value when the Graph API is %s, and says so in extensions', async (_name, error) => {
      await stack.query(`{ users(psids: ["${PETER}", "${DEMO_PSIDS.fractional}"]) { profile { firstName } } }`);
      clock.advance(400);
      stack.emulator.injectFault({ error });
      const res = await stack.query(`{ users(psids: ["${generatedPsid(1)}", "${PETER}"]) { psid profile { firstName } } }`);
      expect(res.body.data?.users).toEqual([
        { psid: generatedPsid(1), profile: null },
        { psid: PETER, profile: { firstName: 'Peter' } },
      ]);
      // The user with nothing cached fails as without a cache; the other one carries no error.
      expect(Object.keys(codesByPath(res))).toEqual(['users.0.profile']);
      expect(res.body).toMatchObject({ extensions: { stale: [{ path: ['users', 1, 'profile'], ageSeconds: 400 }] } });
    });

    it('serves a stale "no profile" too', async () => {
      await stack.query(profileQuery(DEMO_PSIDS.unauthorized, 'firstName'));
      clock.advance(120);
      stack.emulator.injectFault({ error: GraphErrors.serviceError() });
      const res = await stack.query(profileQuery(DEMO_PSIDS.unauthorized, 'firstName'));
      expect(res.body).toEqual({
        data: { user: { profile: null } },
        extensions: { stale: [{ path: ['user', 'profile'], ageSeconds: 120 }] },
      });
    });

    it('gives the error for fields it has no stale value for, and serves the rest', async () => {
      await stack.query(profileQuery(PETER, 'firstName'));
      clock.advance(400);
      stack.emulator.injectFault({ error: GraphErrors.serviceError() });
      const res = await stack.query(profileQuery(PETER, 'firstName locale'));
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter', locale: null } } });
      expect(codesByPath(res)).toEqual({ 'user.profile.locale': 'UPSTREAM_UNAVAILABLE' });
      expect(res.body.extensions?.stale).toEqual([{ path: ['user', 'profile'], ageSeconds: 400 }]);
    });

    it('answers from stale entries while the throttle holds calls back, with no upstream request', async () => {
      const throttled = await startStack({ env: { ...CACHE_ON, RATE_LIMIT_BACKOFF_MS: '60000' }, clock: clock.now });
      try {
        await throttled.query(profileQuery(PETER, 'firstName'));
        clock.advance(400);
        throttled.emulator.injectFault({ headers: bucUsage(100, 1) });
        await throttled.query(profileQuery(DEMO_PSIDS.fractional, 'firstName'));
        const before = throttled.emulator.requests.length;
        const res = await throttled.query(profileQuery(PETER, 'firstName'));
        expect(res.body).toEqual({
          data: { user: { profile: { firstName: 'Peter' } } },
          extensions: { stale: [{ path: ['user', 'profile'], ageSeconds: 400 }] },
        });
        expect(throttled.emulator.requests).toHaveLength(before);
      } finally {
        await throttled.close();
      }
    });

    it('stops once PROFILE_STALE_TTL has passed', async () => {
      await stack.query(profileQuery(PETER, 'firstName'));
      clock.advance(86_400);
      stack.emulator.injectFault({ error: GraphErrors.serviceError() });
      const res = await stack.query(profileQuery(PETER, 'firstName'));
      expect(codesByPath(res)).toEqual({ 'user.profile': 'UPSTREAM_UNAVAILABLE' });
      expect(res.body.extensions).toBeUndefined();
    });

    it('does not hide an answer that is not an outage (NOT_FOUND)', async () => {
      await stack.query(profileQuery(PETER, 'firstName'));
      clock.advance(400);
      stack.emulator.setUser(PETER, { kind: 'error', error: GraphErrors.noMatchingUser });
      const res = await stack.query(profileQuery(PETER, 'firstName'));
      expect(codesByPath(res)).toEqual({ 'user.profile': 'NOT_FOUND' });
      expect(res.body.extensions).toBeUndefined();
    });
  });

  describe('coalescing', () => {
    it('100 concurrent operations for one cold user cost one upstream sub-request', async () => {
      // The first lookup is held up so that every operation arrives while it is under way.
      stack.emulator.injectFault({ delayMs: 200 });
      const responses = await Promise.all(Array.from({ length: 100 }, () => stack.query(profileQuery(PETER, 'firstName timezone'))));
      for (const res of responses) expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter', timezone: -7 } } } });
      expect(stack.emulator.subRequests).toHaveLength(1);
    });

    it('a joiner that needs more fields waits for the lookup under way and asks only for the rest', async () => {
      // The narrow lookup is under way (held by the test) before any wider operation arrives.
      const upstream = gate();
      stack.emulator.injectFault({ until: upstream.promise });
      const narrow = Array.from({ length: 50 }, () => stack.query(profileQuery(PETER, 'firstName')));
      await stack.emulator.received(1);
      const wide = Array.from({ length: 50 }, () => stack.query(profileQuery(PETER, 'firstName lastName')));
      await stack.emulator.received(2);
      upstream.release();
      const responses = await Promise.all([...narrow, ...wide]);
      expect(responses.slice(50).every((r) => r.body.data?.user.profile.lastName === 'Chang')).toBe(true);
      // Each field went upstream once: the wider operations asked only for the rest.
      expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name'], ['last_name']]);
    });
  });

  describe('refreshUser', () => {
    it('forces a fresh read and makes the other cached fields of that user stale', async () => {
      await stack.query(profileQuery(PETER, 'firstName lastName'));
      stack.emulator.setUser(PETER, profileUser('Pete', clock.now() + 1e9));
      clock.advance(1);
      const refreshed = await stack.query(`mutation { refreshUser(psid: "${PETER}") { psid profile { firstName } } }`);
      expect(refreshed.body).toEqual({ data: { refreshUser: { psid: PETER, profile: { firstName: 'Pete' } } } });
      const cached = await stack.query(profileQuery(PETER, 'firstName'));
      expect(cached.body.data?.user.profile.firstName).toBe('Pete');
      const lastName = await stack.query(profileQuery(PETER, 'lastName'));
      expect(lastName.body.data?.user.profile.lastName).toBe('Okafor');
      expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name', 'last_name'], ['first_name'], ['last_name']]);
    });

    it('refreshes even within the same clock tick as the cached read', async () => {
      await stack.query(profileQuery(PETER, 'firstName'));
      await stack.query(`mutation { refreshUser(psid: "${PETER}") { profile { firstName } } }`);
      await stack.query(profileQuery(PETER, 'firstName'));
      expect(stack.emulator.subRequests).toHaveLength(2);
    });

    it('checks the PSID before anything else', async () => {
      const res = await stack.query(`mutation { refreshUser(psid: "me") { psid } }`);
      expect(codesByPath(res)).toEqual({ refreshUser: 'BAD_USER_INPUT' });
      expect(stack.emulator.requests).toHaveLength(0);
    });
  });
});

describe('PROFILE_CACHE_TTL=0', () => {
  it('turns the cache off: every operation reaches the Graph API', async () => {
    const stack = await startStack({ env: { PROFILE_CACHE_TTL: '0' } });
    try {
      await stack.query(profileQuery(PETER, 'firstName'));
      await stack.query(profileQuery(PETER, 'firstName'));
      const refreshed = await stack.query(`mutation { refreshUser(psid: "${PETER}") { profile { firstName } } }`);
      expect(refreshed.body).toEqual({ data: { refreshUser: { profile: { firstName: 'Peter' } } } });
      expect(stack.emulator.subRequests).toHaveLength(3);
    } finally {
      await stack.close();
    }
  });
});
