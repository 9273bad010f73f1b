import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { codesByPath, DEMO_PAGE_TOKEN, DEMO_PSIDS, gate, generatedPsid, startStack, type Stack, WITHOUT_RESILIENCE } from './helpers.js';

const OK = generatedPsid(1);
const profileOf = (psid: string) => `{ user(psid: "${psid}") { psid profile { firstName } } }`;

const neverAnswered = gate();

describe('no profile and per-user failures', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...WITHOUT_RESILIENCE, UPSTREAM_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => {
    neverAnswered.release();
    await stack.close();
  });
  beforeEach(() => stack.emulator.reset());

  it.each([
    ['never authorized ({})', DEMO_PSIDS.unauthorized],
    ['revoked (only id)', DEMO_PSIDS.revoked],
    ['phone-only (100/2018218)', DEMO_PSIDS.phoneOnly],
    ['blocked the Page (551)', DEMO_PSIDS.blocked],
  ])('%s → profile null and no error', async (_name, psid) => {
    const res = await stack.query(profileOf(psid));
    expect(res.body).toEqual({ data: { user: { psid, profile: null } } });
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it('an answer with none of the requested fields → profile null', async () => {
    stack.emulator.setUser('8000000000000001', { kind: 'unauthorized', idOnly: true });
    const res = await stack.query(`{ user(psid: "8000000000000001") { profile { firstName locale } } }`);
    expect(res.body).toEqual({ data: { user: { profile: null } } });
  });

  it.each([
    ['unknown PSID (100/33)', '9999999999999999', 'NOT_FOUND'],
    ['no matching user (100/2018001)', DEMO_PSIDS.deleted, 'NOT_FOUND'],
  ])('%s → %s', async (_name, psid, code) => {
    const res = await stack.query(profileOf(psid));
    expect(res.body.data).toEqual({ user: { psid, profile: null } });
    expect(codesByPath(res)).toEqual({ 'user.profile': code });
  });

  it.each([
    ['rate limit 4', GraphErrors.rateLimited(4), 'RATE_LIMITED'],
    ['rate limit 17', GraphErrors.rateLimited(17), 'RATE_LIMITED'],
    ['rate limit 32', GraphErrors.rateLimited(32), 'RATE_LIMITED'],
    ['rate limit 613', GraphErrors.rateLimited(613), 'RATE_LIMITED'],
    ['rate limit 80001', GraphErrors.rateLimited(80001), 'RATE_LIMITED'],
    ['rate limit 80006', GraphErrors.rateLimited(80006), 'RATE_LIMITED'],
    ['permission 10', { status: 400, error: { message: '(#10) Permission denied', type: 'OAuthException', code: 10 } }, 'PERMISSION_REQUIRED'],
    ['permission 230', { status: 400, error: { message: '(#230) Requires pages_messaging permission', type: 'OAuthException', code: 230 } }, 'PERMISSION_REQUIRED'],
    ['service error 2', GraphErrors.serviceError(), 'UPSTREAM_UNAVAILABLE'],
    ['unknown error 1', GraphErrors.unknownError(), 'UPSTREAM_UNAVAILABLE'],
    ['token expired 190/463', { status: 400, error: { message: 'Error validating access token: Session has expired', type: 'OAuthException', code: 190, error_subcode: 463 } }, 'UPSTREAM_AUTH_FAILED'],
    ['session 102', { status: 400, error: { message: 'Session key invalid', type: 'OAuthException', code: 102 } }, 'UPSTREAM_AUTH_FAILED'],
    ['missing appsecret_proof', GraphErrors.missingProof(), 'UPSTREAM_AUTH_FAILED'],
    ['unmapped code', { status: 400, error: { message: 'Something odd', type: 'OAuthException', code: 12345 } }, 'INTERNAL_SERVER_ERROR'],
  ] as const)('%s for one user → %s at its path, other users unharmed', async (_name, error, code) => {
    stack.emulator.setUser('8000000000000002', { kind: 'error', error: () => error });
    const res = await stack.query(`{ users(psids: ["${OK}", "8000000000000002"]) { profile { firstName } } }`);
    expect(res.body.data?.users).toEqual([{ profile: { firstName: expect.any(String) } }, { profile: null }]);
    expect(codesByPath(res)).toEqual({ 'users.1.profile': code });
    const message = res.body.errors?.[0]?.message ?? '';
    // Upstream messages are written for the app's developer and never passed through.
    expect(message).not.toContain(error.error.message);
    if (code === 'INTERNAL_SERVER_ERROR') expect(message).toBe('Internal server error');
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it('a removed field the gateway did not know about → FIELD_UNAVAILABLE', async () => {
    const old = await startStack({ env: { ...WITHOUT_RESILIENCE, GRAPH_API_VERSION: 'v3.1' } });
    try {
      // The real API serves expired versions as the oldest live one, which lacks last_ad_referral:
      // the gateway drops it, asks again, and reports it at its own path.
      const res = await old.query(`{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName lastAdReferral { adId } } } }`);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter', lastAdReferral: null } } });
      expect(codesByPath(res)).toEqual({ 'user.profile.lastAdReferral': 'FIELD_UNAVAILABLE' });
      expect(res.body.errors?.[0]?.extensions?.graphApiVersion).toBe('v3.1');
      expect(old.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name', 'last_ad_referral'], ['first_name']]);
    } finally {
      await old.close();
    }
  });

  it('a null batch entry fails only that user', async () => {
    stack.emulator.injectFault({ nullEntries: [DEMO_PSIDS.peter] });
    const res = await stack.query(`{ users(psids: ["${DEMO_PSIDS.peter}", "${OK}"]) { profile { firstName } } }`);
    expect(res.body.data?.users[1]).toEqual({ profile: { firstName: expect.any(String) } });
    expect(codesByPath(res)).toEqual({ 'users.0.profile': 'UPSTREAM_UNAVAILABLE' });
  });

  it.each([
    ['HTTP 503 with an HTML body', { status: 503, rawBody: '<html>Service Unavailable</html>' }],
    ['HTTP 200 with a garbage body', { status: 200, rawBody: '{"not": "a batch' }],
    ['HTTP 200 with a batch of the wrong length', { status: 200, rawBody: '[]' }],
    ['a connection reset', { reset: true }],
    // Held until every test is done: only UPSTREAM_TIMEOUT_MS can end that lookup.
    ['an answer slower than UPSTREAM_TIMEOUT_MS', { until: neverAnswered.promise }],
    ['a whole-batch transient error', { error: GraphErrors.serviceError() }],
  ])('%s → UPSTREAM_UNAVAILABLE for every user of the batch', async (_name, fault) => {
    stack.emulator.injectFault(fault);
    const res = await stack.query(`{ users(psids: ["${DEMO_PSIDS.peter}", "${OK}"]) { profile { firstName } } }`);
    expect(res.status).toBe(200);
    expect(res.body.data?.users).toEqual([{ profile: null }, { profile: null }]);
    expect(codesByPath(res)).toEqual({ 'users.0.profile': 'UPSTREAM_UNAVAILABLE', 'users.1.profile': 'UPSTREAM_UNAVAILABLE' });
    expect(stack.emulator.requests).toHaveLength(1);
  });

  it.each([
    ['a non-numeric error code (whole batch, HTTP 500)', { status: 500, rawBody: JSON.stringify({ error: { message: 'x', code: `leak-${DEMO_PAGE_TOKEN}`, is_transient: true } }) }],
    ['a non-numeric error code (one user)', { status: 200, rawBody: JSON.stringify([{ code: 500, body: JSON.stringify({ error: { code: `leak-${DEMO_PAGE_TOKEN}` } }) }]) }],
    ['a nonexisting field naming something else', { status: 400, rawBody: JSON.stringify({ error: { code: 100, message: `(#100) Tried accessing nonexisting field (${DEMO_PAGE_TOKEN}) on node type (User)` } }) }],
  ])('%s: no upstream string reaches the client', async (_name, fault) => {
    stack.emulator.injectFault(fault);
    const res = await stack.query(profileOf(DEMO_PSIDS.peter));
    expect(res.body.data).toEqual({ user: { psid: DEMO_PSIDS.peter, profile: null } });
    expect(res.text).not.toContain(DEMO_PAGE_TOKEN);
    expect(res.text).not.toContain('leak');
    for (const error of res.body.errors ?? []) {
      const { reason, graphField } = error.extensions ?? {};
      if (reason !== undefined) expect(reason).toMatch(/^[A-Za-z0-9 ().,;-]+$/);
      if (graphField !== undefined) expect(['first_name', 'last_name', 'name', 'profile_pic', 'locale', 'timezone', 'gender', 'is_payment_enabled', 'last_ad_referral']).toContain(graphField);
    }
  });

  it('an invalid token → UPSTREAM_AUTH_FAILED with a generic message and without the token', async () => {
    const bad = await startStack({ env: { ...WITHOUT_RESILIENCE, PAGE_ACCESS_TOKEN: 'EAAB-not-a-valid-token' } });
    try {
      const res = await bad.query(profileOf(DEMO_PSIDS.peter));
      expect(codesByPath(res)).toEqual({ 'user.profile': 'UPSTREAM_AUTH_FAILED' });
      expect(res.body.errors?.[0]?.message).toMatch(/could not authenticate/);
      expect(res.text).not.toContain('EAAB-not-a-valid-token');
      expect(res.text).not.toContain(DEMO_PAGE_TOKEN);
    } finally {
      await bad.close();
    }
  });
});
