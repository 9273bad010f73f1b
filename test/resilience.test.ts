import { describe, expect, it } from 'vitest';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { appUsage, bucUsage, codesByPath, DEMO_PSIDS, gate, generatedPsid, useClockedStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const OTHER = generatedPsid(3);
const FAILING = '8100000000000001';
const TWO_USERS = `{ users(psids: ["${PETER}", "${OTHER}"]) { profile { firstName } } }`;
/** Fast periods so no test waits for real seconds. */
const FAST = { RETRY_BASE_MS: '5', RETRY_CAP_MS: '20', BREAKER_COOLDOWN_MS: '300', RATE_LIMIT_BACKOFF_MS: '60000' };

/** The gateway's clock: cool-downs, back-offs and memories expire when a test moves it. */
const { start, clock } = useClockedStack({ env: FAST });

describe('retries of transient failures', () => {
  it('asks again only for the sub-requests that came back null', async () => {
    const s = await start();
    s.emulator.injectFault({ nullEntries: [PETER] });
    const res = await s.query(TWO_USERS);
    expect(res.body).toEqual({ data: { users: [{ profile: { firstName: 'Peter' } }, { profile: { firstName: expect.any(String) } }] } });
    expect(s.emulator.requests.map((r) => r.batch?.map((b) => b.id))).toEqual([[PETER, OTHER], [PETER]]);
  });

  it('retries a transient error at most RETRY_MAX times, then answers UPSTREAM_UNAVAILABLE for that user alone', async () => {
    const s = await start();
    s.emulator.setUser(FAILING, { kind: 'error', error: GraphErrors.serviceError });
    const res = await s.query(`{ users(psids: ["${FAILING}", "${OTHER}"]) { profile { firstName } } }`);
    expect(res.body.data?.users[1]).toEqual({ profile: { firstName: expect.any(String) } });
    expect(codesByPath(res)).toEqual({ 'users.0.profile': 'UPSTREAM_UNAVAILABLE' });
    expect(s.emulator.requests.map((r) => r.batch?.map((b) => b.id))).toEqual([[FAILING, OTHER], [FAILING], [FAILING]]);
  });

  it.each([
    ['HTTP 500', { status: 500, rawBody: 'oops' }],
    ['a garbage body', { status: 200, rawBody: 'not json' }],
    ['a connection reset', { reset: true }],
    ['code 1 for the whole batch', { error: GraphErrors.unknownError() }],
  ])('recovers from %s on the next try', async (_name, fault) => {
    const s = await start();
    s.emulator.injectFault(fault);
    const res = await s.query(TWO_USERS);
    expect(res.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(2);
  });

  it.each([
    ['rate limit', GraphErrors.rateLimited(32), 'RATE_LIMITED'],
    ['invalid token', GraphErrors.invalidToken(), 'UPSTREAM_AUTH_FAILED'],
    ['permission', { status: 400, error: { message: '(#10) Permission denied', type: 'OAuthException', code: 10 } }, 'PERMISSION_REQUIRED'],
    ['not found', GraphErrors.objectNotFound(FAILING), 'NOT_FOUND'],
  ] as const)('never retries a %s', async (_name, error, code) => {
    const s = await start();
    s.emulator.setUser(FAILING, { kind: 'error', error: () => error });
    const res = await s.query(`{ user(psid: "${FAILING}") { profile { firstName } } }`);
    expect(codesByPath(res)).toEqual({ 'user.profile': code });
    expect(s.emulator.requests).toHaveLength(1);
  });
});

describe('deadline', () => {
  it('bounds the whole lookup, retries included, whatever the upstream does', async () => {
    const s = await start({ env: { UPSTREAM_TIMEOUT_MS: '300', RETRY_BASE_MS: '1000', RETRY_CAP_MS: '1000' } });
    // The Graph API never answers while the test holds it: only the deadline can end the lookup.
    const upstream = gate();
    s.emulator.injectFault({ until: upstream.promise, times: 10 });
    try {
      const res = await s.query(TWO_USERS);
      expect(codesByPath(res)).toEqual({ 'users.0.profile': 'UPSTREAM_UNAVAILABLE', 'users.1.profile': 'UPSTREAM_UNAVAILABLE' });
      // The first exchange used the whole deadline: no retry was sent after it.
      expect(s.emulator.requests).toHaveLength(1);
    } finally {
      upstream.release();
    }
  });

  it('stops retrying when the deadline passes during a back-off', async () => {
    const s = await start({ env: { UPSTREAM_TIMEOUT_MS: '250', RETRY_BASE_MS: '5000', RETRY_CAP_MS: '5000' } });
    s.emulator.setUser(FAILING, { kind: 'error', error: GraphErrors.serviceError });
    const started = Date.now();
    const res = await s.query(`{ user(psid: "${FAILING}") { profile { firstName } } }`);
    expect(codesByPath(res)).toEqual({ 'user.profile': 'UPSTREAM_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('circuit breaker', () => {
  const env = { BREAKER_THRESHOLD: '3', RETRY_MAX: '0' };

  it('opens after consecutive failed exchanges, fails fast without calling, then one probe closes it', async () => {
    const s = await start({ env });
    s.emulator.injectFault({ status: 503, rawBody: '<html>down</html>', times: 3 });
    for (let i = 0; i < 3; i++) await s.query(TWO_USERS);
    expect(s.emulator.requests).toHaveLength(3);

    const fast = await s.query(TWO_USERS);
    expect(codesByPath(fast)).toEqual({ 'users.0.profile': 'UPSTREAM_UNAVAILABLE', 'users.1.profile': 'UPSTREAM_UNAVAILABLE' });
    expect(fast.body.errors?.[0]?.extensions?.reason).toMatch(/cool-down/);
    expect(s.emulator.requests).toHaveLength(3);

    clock.advance(0.35);
    const probes = await Promise.all([s.query(TWO_USERS), s.query(TWO_USERS), s.query(TWO_USERS)]);
    expect(probes.every((p) => p.body.errors === undefined)).toBe(true);
    // The probe, then one exchange for each operation that waited for it.
    expect(s.emulator.requests).toHaveLength(6);
  });

  it('stays open when the probe fails, letting only the probe through', async () => {
    const s = await start({ env });
    s.emulator.injectFault({ status: 502, rawBody: '', times: 4 });
    for (let i = 0; i < 3; i++) await s.query(TWO_USERS);
    clock.advance(0.35);
    const results = await Promise.all([s.query(TWO_USERS), s.query(TWO_USERS), s.query(TWO_USERS)]);
    expect(s.emulator.requests).toHaveLength(4);
    expect(results.every((r) => r.body.data?.users[0].profile === null)).toBe(true);
  });

  it('does not count "no profile" answers as failures', async () => {
    const s = await start({ env });
    for (let i = 0; i < 5; i++) {
      await s.query(`{ a: user(psid: "${DEMO_PSIDS.unauthorized}") { profile { firstName } } b: user(psid: "${DEMO_PSIDS.phoneOnly}") { profile { firstName } } }`);
    }
    const res = await s.query(TWO_USERS);
    expect(res.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(6);
  });
});

describe('throttle from usage headers', () => {
  it('at 100 % usage without a refusal, lets one lookup through per USAGE_PROBE_INTERVAL_MS, and resumes when the figure drops', async () => {
    const s = await start({ env: { RATE_LIMIT_BACKOFF_MS: '60000', USAGE_PROBE_INTERVAL_MS: '5000' } });
    s.emulator.injectFault({ headers: { ...appUsage(100), 'x-business-use-case-usage': '' } });
    const first = await s.query(TWO_USERS);
    expect(first.body.errors).toBeUndefined();
    const held = await s.query(TWO_USERS);
    expect(codesByPath(held)).toEqual({ 'users.0.profile': 'RATE_LIMITED', 'users.1.profile': 'RATE_LIMITED' });
    expect(held.body.errors?.[0]?.extensions?.retryAfterSeconds).toBe(5);
    expect(s.emulator.requests).toHaveLength(1);
    // Seconds later, not the 60 s back-off: one lookup goes and reads the figure again, still 104 %.
    clock.advance(5);
    s.emulator.injectFault({ headers: { ...appUsage(104), 'x-business-use-case-usage': '' } });
    expect((await s.query(TWO_USERS)).body.errors).toBeUndefined();
    expect(codesByPath(await s.query(TWO_USERS))).toEqual({ 'users.0.profile': 'RATE_LIMITED', 'users.1.profile': 'RATE_LIMITED' });
    expect(s.gateway.pages.default?.throttle.latest?.app?.call_count).toBe(104);
    expect(s.emulator.requests).toHaveLength(2);
    // The window rolled on: the next reading is below 100 % and lookups resume.
    clock.advance(5);
    s.emulator.injectFault({ headers: { ...appUsage(97), 'x-business-use-case-usage': '' } });
    expect((await s.query(TWO_USERS)).body.errors).toBeUndefined();
    expect((await s.query(TWO_USERS)).body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(4);
  });

  it('a real refusal (code 4, even with is_transient) keeps the full back-off', async () => {
    const s = await start({ env: { RATE_LIMIT_BACKOFF_MS: '60000' } });
    s.emulator.injectFault({ error: { status: 400, error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, is_transient: true } } });
    const first = await s.query(TWO_USERS);
    expect(codesByPath(first)).toEqual({ 'users.0.profile': 'RATE_LIMITED', 'users.1.profile': 'RATE_LIMITED' });
    clock.advance(30);
    const second = await s.query(TWO_USERS);
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
    // Rate limiting wins over is_transient: not retried either.
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('waits estimated_time_to_regain_access minutes from the business-use-case header', async () => {
    const s = await start();
    s.emulator.injectFault({ headers: bucUsage(40, 3) });
    await s.query(TWO_USERS);
    const res = await s.query(TWO_USERS);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 180 });
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('lets the business-use-case figures win over the app figures', async () => {
    const s = await start();
    s.emulator.injectFault({ headers: { ...appUsage(100), ...bucUsage(10, 0) } });
    await s.query(TWO_USERS);
    const res = await s.query(TWO_USERS);
    expect(res.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(2);
  });

  it('backs off after a rate-limit code, for the configured default without a regain time, then resumes', async () => {
    const s = await start({ env: { RATE_LIMIT_BACKOFF_MS: '400' } });
    s.emulator.injectFault({ error: GraphErrors.rateLimited(4) });
    const limited = await s.query(TWO_USERS);
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    const blocked = await s.query(TWO_USERS);
    expect(codesByPath(blocked)['users.0.profile']).toBe('RATE_LIMITED');
    expect(s.emulator.requests).toHaveLength(1);
    clock.advance(0.45);
    const resumed = await s.query(TWO_USERS);
    expect(resumed.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(2);
  });

  it('takes the back-off of a per-user rate-limit code from the headers when they carry one', async () => {
    const s = await start();
    s.emulator.setUser(FAILING, { kind: 'error', error: () => GraphErrors.rateLimited(80006) });
    s.emulator.injectFault({ headers: bucUsage(100, 2) });
    const res = await s.query(`{ users(psids: ["${FAILING}", "${OTHER}"]) { profile { firstName } } }`);
    expect(res.body.data?.users[1]).toEqual({ profile: { firstName: expect.any(String) } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
  });
});

describe('consent-aware degradation', () => {
  const HEADLINE = `{ user(psid: "${PETER}") { profile { firstName locale timezone lastAdReferral { source type adId } } } }`;

  it('without the locale permission on v25.0: firstName and timezone, with two typed field errors', async () => {
    const s = await start({ emulator: { permissions: ['pages_user_timezone', 'pages_user_gender'] } });
    const res = await s.query(HEADLINE);
    expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter', locale: null, timezone: -7, lastAdReferral: null } } });
    expect(codesByPath(res)).toEqual({
      'user.profile.locale': 'PERMISSION_REQUIRED',
      'user.profile.lastAdReferral': 'FIELD_UNAVAILABLE',
    });
    const locale = res.body.errors?.find((e) => e.path?.at(-1) === 'locale');
    expect(locale?.extensions?.permission).toBe('pages_user_locale');
    // The failed call, then one probe batch: basic fields alone, each gated field alone.
    expect(s.emulator.requests.map((r) => r.batch?.map((b) => b.fields?.join(',')))).toEqual([
      ['first_name,locale,timezone'],
      ['first_name', 'locale', 'timezone'],
    ]);

    // Remembered: the next lookup leaves locale out and pays no failed call.
    const again = await s.query(HEADLINE);
    expect(again.body.data).toEqual(res.body.data);
    expect(codesByPath(again)).toEqual(codesByPath(res));
    expect(s.emulator.requests.at(-1)?.batch?.map((b) => b.fields?.join(','))).toEqual(['first_name,timezone']);
    expect(s.emulator.requests).toHaveLength(3);
  });

  it('probes all users of a batch in one more request', async () => {
    const s = await start({ emulator: { permissions: ['pages_user_locale'] } });
    const res = await s.query(`{ users(psids: ["${PETER}", "${OTHER}"]) { profile { firstName gender } } }`);
    expect(res.body.data?.users.map((u: any) => u.profile.firstName)).toEqual(['Peter', expect.any(String)]);
    expect(codesByPath(res)).toEqual({ 'users.0.profile.gender': 'PERMISSION_REQUIRED', 'users.1.profile.gender': 'PERMISSION_REQUIRED' });
    expect(s.emulator.requests).toHaveLength(2);
    expect(s.emulator.requests[1]?.batch).toHaveLength(4);
  });

  it('forgets what the app lacked after CAPABILITY_TTL_MS', async () => {
    const s = await start({ emulator: { permissions: [] }, env: { CAPABILITY_TTL_MS: '200' } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName locale } } }`);
    expect(s.emulator.requests).toHaveLength(2);
    s.emulator.setPermissions(['pages_user_locale']);
    clock.advance(0.25);
    const res = await s.query(`{ user(psid: "${PETER}") { profile { firstName locale } } }`);
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter', locale: 'en_US' } } } });
    expect(s.emulator.requests).toHaveLength(3);
  });

  it('remembers a field the version lacks', async () => {
    const s = await start({ env: { GRAPH_API_VERSION: 'v3.0' } });
    const q = `{ user(psid: "${PETER}") { profile { firstName isPaymentEnabled } } }`;
    await s.query(q);
    const res = await s.query(q);
    expect(codesByPath(res)).toEqual({ 'user.profile.isPaymentEnabled': 'FIELD_UNAVAILABLE' });
    expect(s.emulator.requests.map((r) => r.batch?.[0]?.fields?.join(','))).toEqual([
      'first_name,is_payment_enabled',
      'first_name',
      'first_name',
    ]);
  });

  it('a user-level 2018247 for every field gives a profile of field errors', async () => {
    const s = await start();
    s.emulator.setUser(FAILING, { kind: 'error', error: () => GraphErrors.insufficientPermission(403) });
    const res = await s.query(`{ user(psid: "${FAILING}") { profile { firstName } } }`);
    expect(res.body.data).toEqual({ user: { profile: { firstName: null } } });
    expect(codesByPath(res)).toEqual({ 'user.profile.firstName': 'PERMISSION_REQUIRED' });
  });
});

describe('breaker and usage on /metrics', () => {
  it('reports the breaker state and the latest usage figures per Page', async () => {
    const s = await start({ env: { BREAKER_THRESHOLD: '1', RETRY_MAX: '0' } });
    const scrape = async () => (await fetch(s.gateway.url.replace('/graphql', '/metrics'))).text();
    expect(await scrape()).toMatch(/^gateway_breaker_state\{page="default"\} 0$/m);

    s.emulator.injectFault({ headers: { 'x-app-usage': JSON.stringify({ call_count: 42, total_cputime: 7, total_time: 9 }) } });
    await s.query(TWO_USERS);
    const usage = await scrape();
    expect(usage).toMatch(/^gateway_rate_limit_usage_percent\{page="default",header="app",figure="call_count"\} 42$/m);
    expect(usage).toMatch(/^gateway_rate_limit_usage_percent\{page="default",header="business_use_case",figure="call_count"\} \d+$/m);
    expect(usage).toMatch(/^gateway_rate_limit_retry_after_seconds\{page="default"\} 0$/m);

    s.emulator.injectFault({ status: 503, rawBody: '' });
    await s.query(TWO_USERS);
    expect(await scrape()).toMatch(/^gateway_breaker_state\{page="default"\} 1$/m);
  });
});
