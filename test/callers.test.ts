import { describe, expect, it } from 'vitest';
import { AS_CONSOLE, AS_SYNC, callersEnv, usersQuery } from './callers.js';
import { appUsage, bucUsage, codesByPath, DEMO_PSIDS, gatewayUrl, generatedPsid, sample, type Stack, useClockedStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const USERS = Array.from({ length: 6 }, (_, i) => generatedPsid(i));
const LEGACY_KEY = 'legacy-key-0123456789abcdef';

const { start, clock } = useClockedStack();

async function metrics(s: Stack): Promise<string> {
  return (await fetch(gatewayUrl(s, '/metrics'))).text();
}

const callerLookups = (text: string, caller: string, result: string) =>
  sample(text, `gateway_caller_lookups_total{caller="${caller}",result="${result}"}`);

describe('caller budgets (lookupsPerMinute)', () => {
  it('a bulk caller past its budget gets RATE_LIMITED (scope caller) with no upstream call, while an interactive caller is answered', async () => {
    const s = await start({ env: callersEnv(3) });
    const within = await s.query(usersQuery(USERS.slice(0, 3)), undefined, AS_SYNC);
    expect(within.body.errors).toBeUndefined();
    expect(s.emulator.subRequests).toHaveLength(3);

    s.emulator.reset();
    const over = await s.query(usersQuery(USERS.slice(3, 5)), undefined, AS_SYNC);
    expect(codesByPath(over)).toEqual({ 'users.0.profile': 'RATE_LIMITED', 'users.1.profile': 'RATE_LIMITED' });
    const extensions = over.body.errors?.[0]?.extensions;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'caller' });
    expect(extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(extensions?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(s.emulator.requests).toHaveLength(0);

    const console = await s.query(usersQuery(USERS.slice(3, 5)), undefined, AS_CONSOLE);
    expect(console.body.errors).toBeUndefined();
    expect(console.body.data?.users.map((u: any) => typeof u.profile.firstName)).toEqual(['string', 'string']);
    expect(s.emulator.subRequests).toHaveLength(2);
  });

  it('answers the rest of the operation: cached users are free, lookups within the budget go ahead, only the rest is refused', async () => {
    const s = await start({ env: { ...callersEnv(3), PROFILE_CACHE_TTL: '300' } });
    await s.query(usersQuery([PETER]), undefined, AS_CONSOLE);
    s.emulator.reset();

    const res = await s.query(usersQuery([PETER, ...USERS.slice(0, 4)]), undefined, AS_SYNC);
    expect(res.body.data?.users[0]).toEqual({ psid: PETER, profile: { firstName: 'Peter' } });
    expect(res.body.data?.users.slice(1, 4).every((u: any) => typeof u.profile.firstName === 'string')).toBe(true);
    expect(codesByPath(res)).toEqual({ 'users.4.profile': 'RATE_LIMITED' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ scope: 'caller' });
    expect(s.emulator.subRequests.map((r) => r.id)).toEqual(USERS.slice(0, 3));

    const text = await metrics(s);
    expect(callerLookups(text, 'crm-sync', 'cache')).toBe(1);
    expect(callerLookups(text, 'crm-sync', 'upstream')).toBe(3);
    expect(callerLookups(text, 'crm-sync', 'over_budget')).toBe(1);
    expect(callerLookups(text, 'console', 'upstream')).toBe(1);
  });

  it('keeps GATEWAY_API_KEYS keys valid as interactive callers without a budget, and names the caller in the operation line', async () => {
    const s = await start({ env: { ...callersEnv(1), GATEWAY_API_KEYS: LEGACY_KEY, LOG_LEVEL: 'info' } });
    for (let i = 0; i < 3; i++) {
      const res = await s.query(usersQuery(USERS.slice(0, 3)), undefined, { authorization: `Bearer ${LEGACY_KEY}` });
      expect(res.body.errors).toBeUndefined();
    }
    expect((await s.query(usersQuery([PETER]), undefined, { authorization: 'Bearer not-a-configured-key-at-all' })).status).toBe(401);
    await s.query(usersQuery([PETER]), undefined, AS_SYNC);

    const lines = s.logs.filter((l) => l.msg === 'operation');
    expect(lines.map((l) => l.caller)).toEqual(['GATEWAY_API_KEYS#1', 'GATEWAY_API_KEYS#1', 'GATEWAY_API_KEYS#1', null, 'crm-sync']);
    expect(JSON.stringify(s.logs)).not.toContain(LEGACY_KEY);
    const text = await metrics(s);
    expect(callerLookups(text, 'GATEWAY_API_KEYS#1', 'upstream')).toBe(9);
    expect(text).not.toContain(LEGACY_KEY);
  });

  it('lets a caller without a key through an open endpoint as interactive, without a budget', async () => {
    const s = await start();
    await s.query(usersQuery(USERS.slice(0, 3)));
    expect(callerLookups(await metrics(s), '(none)', 'upstream')).toBe(3);
  });
});

describe('bulk shedding (BULK_SHED_AT_PERCENT)', () => {
  it('at 80 % reported usage sheds a bulk caller (scope page) with no upstream call, and answers an interactive one', async () => {
    const s = await start({ env: callersEnv() });
    s.emulator.injectFault({ headers: bucUsage(80, 0) });
    expect((await s.query(usersQuery([PETER]), undefined, AS_CONSOLE)).body.errors).toBeUndefined();

    const bulk = await s.query(usersQuery([USERS[0]!]), undefined, AS_SYNC);
    expect(codesByPath(bulk)).toEqual({ 'users.0.profile': 'RATE_LIMITED' });
    expect(bulk.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 30 });
    expect(s.emulator.requests).toHaveLength(1);

    const interactive = await s.query(usersQuery([USERS[0]!]), undefined, AS_CONSOLE);
    expect(interactive.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(2);
    expect(callerLookups(await metrics(s), 'crm-sync', 'shed')).toBe(1);
  });

  it('serves bulk callers from the cache while it sheds their Graph API lookups', async () => {
    const s = await start({ env: { ...callersEnv(), PROFILE_CACHE_TTL: '300' } });
    s.emulator.injectFault({ headers: bucUsage(80, 0) });
    await s.query(usersQuery([PETER]), undefined, AS_CONSOLE);
    const res = await s.query(usersQuery([PETER, USERS[0]!]), undefined, AS_SYNC);
    expect(res.body.data?.users[0]).toEqual({ psid: PETER, profile: { firstName: 'Peter' } });
    expect(codesByPath(res)).toEqual({ 'users.1.profile': 'RATE_LIMITED' });
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('compares the highest figure of either header with the threshold, and lets bulk callers go below it', async () => {
    const s = await start({ env: { ...callersEnv(), BULK_SHED_AT_PERCENT: '60' } });
    s.emulator.injectFault({ headers: { ...appUsage(59), ...bucUsage(10, 0) } });
    await s.query(usersQuery([PETER]), undefined, AS_CONSOLE);
    expect((await s.query(usersQuery([USERS[0]!]), undefined, AS_SYNC)).body.errors).toBeUndefined();

    s.emulator.injectFault({ headers: { ...appUsage(60), ...bucUsage(10, 0) } });
    await s.query(usersQuery([PETER]), undefined, AS_CONSOLE);
    const shed = await s.query(usersQuery([USERS[1]!]), undefined, AS_SYNC);
    expect(shed.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'page' });
  });

  it('sheds for as long as the reading holds (30 s), then lets a bulk lookup bring a fresh one', async () => {
    const s = await start({ env: callersEnv() });
    s.emulator.injectFault({ headers: bucUsage(90, 0) });
    await s.query(usersQuery([PETER]), undefined, AS_CONSOLE);
    clock.advance(20);
    const shed = await s.query(usersQuery([USERS[0]!]), undefined, AS_SYNC);
    expect(shed.body.errors?.[0]?.extensions).toMatchObject({ scope: 'page', retryAfterSeconds: 10 });
    clock.advance(10);
    // The emulator's own headers report low usage: bulk callers go on.
    expect((await s.query(usersQuery([USERS[0]!]), undefined, AS_SYNC)).body.errors).toBeUndefined();
    expect((await s.query(usersQuery([USERS[1]!]), undefined, AS_SYNC)).body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(3);
  });

  it('interactive callers go on until the Page is actually throttled; then everyone gets RATE_LIMITED with scope page', async () => {
    const s = await start({ env: callersEnv() });
    s.emulator.injectFault({ headers: bucUsage(99, 0) });
    expect((await s.query(usersQuery([PETER]), undefined, AS_CONSOLE)).body.errors).toBeUndefined();
    s.emulator.injectFault({ headers: bucUsage(100, 0) });
    expect((await s.query(usersQuery([USERS[0]!]), undefined, AS_CONSOLE)).body.errors).toBeUndefined();
    // At 100 % without a refusal or a regain time: held until the next reading (USAGE_PROBE_INTERVAL_MS), not a blind minute.
    const throttled = await s.query(usersQuery([USERS[1]!]), undefined, AS_CONSOLE);
    expect(throttled.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 5 });
    expect(s.emulator.requests).toHaveLength(2);
  });
});
