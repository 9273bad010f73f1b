import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { bucUsage, captureLogs, codesByPath, DEMO_PSIDS, gatewayUrl, generatedPsid, startStack, testClock, type Stack } from './helpers.js';
import { authEnv, AUDIENCE, bearer, ISSUER, signToken, startJwksServer, testKey, type JwksServer, type TestKey } from './jwks.js';
import { P1, P2, PETER, twoPages } from './two-pages.js';

const peterQuery = (pageId?: string) => `{ user(psid: "${PETER}"${pageId ? `, pageId: "${pageId}"` : ''}) { id profile { firstName } } }`;

describe('sign-in tokens (AUTH_JWKS_URL)', () => {
  let jwks: JwksServer;
  let k1: TestKey;
  let stack: Stack;
  const clock = testClock();
  const logs = captureLogs();

  beforeAll(async () => {
    k1 = await testKey('k1');
    jwks = await startJwksServer([k1]);
    stack = await startStack({ ...twoPages({ ...authEnv(jwks.url), LOG_LEVEL: 'debug' }), clock: clock.now, logs });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  const token = (claims: Record<string, unknown>, times: { expiresIn?: number; notBefore?: number } = {}, key = k1) =>
    signToken(key, { sub: 'agent-7', pages: [P1], ...claims }, { now: clock.now(), ...times });

  it("reads the users of the token's Pages, and gets FORBIDDEN for another with no upstream call", async () => {
    const ok = await stack.query(peterQuery(), undefined, bearer(await token({})));
    expect(ok.body.data?.user.profile).toEqual({ firstName: 'Peter' });
    stack.emulator.reset();
    const other = await stack.query(peterQuery(P2), undefined, bearer(await token({})));
    expect(codesByPath(other)).toEqual({ user: 'FORBIDDEN' });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('a token without the Pages claim reads no Page', async () => {
    const res = await stack.query(peterQuery(P1), undefined, bearer(await token({ pages: undefined })));
    expect(codesByPath(res)).toEqual({ user: 'FORBIDDEN' });
    expect(res.body.data).toBeNull();
  });

  it('refuses with 401 and no data: expired, not yet valid, wrong issuer, wrong audience, alg none, HS256 with the public key, unknown kid, malformed Pages, no caller', async () => {
    const stranger = await testKey('k-unknown');
    const pem = new TextEncoder().encode(JSON.stringify(k1.publicJwk));
    const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const seconds = Math.floor(clock.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'agent-7', pages: [P1], iat: seconds, exp: seconds + 600 };
    const { exp: _exp, ...noExp } = claims;
    const bad: Record<string, string> = {
      expired: await token({}, { expiresIn: -120 }),
      notYetValid: await token({}, { notBefore: 120 }),
      wrongIssuer: await token({ iss: 'https://evil.example.test/' }),
      wrongAudience: await token({ aud: 'another-api' }),
      algNone: `${header({ alg: 'none' })}.${header(claims)}.`,
      hs256WithPublicKey: await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(pem),
      unknownKid: await token({}, {}, stranger),
      malformedPages: await token({ pages: P1 }),
      noCaller: await token({ sub: undefined }),
      noExpiry: await new SignJWT(noExp).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(k1.privateKey),
    };
    for (const [why, jwt] of Object.entries(bad)) {
      const res = await stack.query(peterQuery(P1), undefined, bearer(jwt));
      expect({ why, status: res.status, data: res.body.data, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ why, status: 401, data: undefined, code: 'UNAUTHENTICATED' });
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('accepts a few seconds of clock skew, no more', async () => {
    const skewed = await stack.query(peterQuery(), undefined, bearer(await token({}, { notBefore: 20 })));
    expect(skewed.status).toBe(200);
    const beyond = await stack.query(peterQuery(), undefined, bearer(await token({}, { notBefore: 60 })));
    expect(beyond.status).toBe(401);
  });

  it('an unknown kid fetches the key set again at most once a minute; new keys then work', async () => {
    const k2 = await testKey('k2');
    const k3 = await testKey('k3');
    jwks.keys = [k1, k2];
    clock.advance(61);
    const before = jwks.fetches;
    expect((await stack.query(peterQuery(), undefined, bearer(await token({}, {}, k2)))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 1);

    jwks.keys = [k1, k2, k3];
    const cooling = await stack.query(peterQuery(), undefined, bearer(await token({}, {}, k3)));
    expect(cooling.status).toBe(401);
    expect(jwks.fetches).toBe(before + 1);

    clock.advance(61);
    expect((await stack.query(peterQuery(), undefined, bearer(await token({}, {}, k3)))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 2);
  });

  it('nothing of a token reaches a log line or a metric: only the caller name', async () => {
    const jwt = await token({ email: 'agent7@example.test', name: 'Agent Seven' });
    await stack.query(peterQuery(), undefined, bearer(jwt));
    const metrics = await (await fetch(gatewayUrl(stack, '/metrics'))).text();
    const written = [...logs.raw, metrics].join('\n');
    for (const part of [jwt, ...jwt.split('.'), 'agent7@example.test', 'Agent Seven']) expect(written).not.toContain(part);
    expect(logs.lines().some((line) => line.caller === 'token:agent-7')).toBe(true);
    expect(metrics).toContain('gateway_caller_lookups_total{caller="token",result="upstream"}');
    expect(metrics).not.toContain('agent-7');
  });

  it('keeps verifying with the keys it holds while the key set is down', async () => {
    await jwks.close();
    clock.advance(3600);
    const res = await stack.query(peterQuery(), undefined, bearer(await token({})));
    expect(res.body.data?.user.profile).toEqual({ firstName: 'Peter' });
  });
});

describe('sign-in token start-up', () => {
  it('fails clearly when the key set cannot be fetched', async () => {
    const jwks = await startJwksServer([]);
    await jwks.close();
    await expect(startStack(twoPages(authEnv(jwks.url)))).rejects.toThrow(/AUTH_JWKS_URL: no sign-in key could be fetched from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json/);
  });

  it('checks tokens against AUTH_JWT_PUBLIC_KEY without a key set', async () => {
    const key = await testKey('only');
    const stack = await startStack(twoPages({ AUTH_JWT_PUBLIC_KEY: JSON.stringify(key.publicJwk), AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE }));
    try {
      const res = await stack.query(peterQuery(), undefined, bearer(await signToken(key, { sub: 'a', pages: [P1] })));
      expect(res.body.data?.user.profile).toEqual({ firstName: 'Peter' });
      const stranger = await testKey('only');
      expect((await stack.query(peterQuery(), undefined, bearer(await signToken(stranger, { sub: 'a', pages: [P1] })))).status).toBe(401);
    } finally {
      await stack.close();
    }
  });
});

describe('sign-in token priority and budgets', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let stack: Stack;
  beforeAll(async () => {
    key = await testKey('k1');
    jwks = await startJwksServer([key]);
    stack = await startStack({ env: { ...authEnv(jwks.url), PAGE_ID: DEMO_PAGE_ID, AUTH_JWT_LOOKUPS_PER_MINUTE: '2' } });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });
  const as = async (sub: string, claims: Record<string, unknown> = {}) => bearer(await signToken(key, { sub, pages: [DEMO_PAGE_ID], ...claims }));
  const lookup = async (psid: string, headers: Record<string, string>) => stack.query(`{ user(psid: "${psid}") { profile { firstName } } }`, undefined, headers);

  it('a token whose priority claim says bulk is shed while the Page\'s usage is high; an interactive one is answered', async () => {
    stack.emulator.injectFault({ headers: bucUsage(80, 0) });
    expect((await lookup(DEMO_PSIDS.peter, await as('agent-1'))).body.errors).toBeUndefined();
    const bulk = await lookup(generatedPsid(1), await as('exporter', { priority: 'bulk' }));
    expect(bulk.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'page' });
    expect((await lookup(generatedPsid(1), await as('agent-1'))).body.errors).toBeUndefined();
  });

  it('AUTH_JWT_LOOKUPS_PER_MINUTE counts per caller: one agent past it is refused, another is answered', async () => {
    for (const i of [2, 3]) expect((await lookup(generatedPsid(i), await as('agent-2'))).body.errors).toBeUndefined();
    stack.emulator.reset();
    const over = await lookup(generatedPsid(4), await as('agent-2'));
    expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'caller' });
    expect(stack.emulator.requests).toHaveLength(0);
    expect((await lookup(generatedPsid(4), await as('agent-3'))).body.errors).toBeUndefined();
  });
});
