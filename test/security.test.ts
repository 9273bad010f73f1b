import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codesByPath, DEMO_PAGE_TOKEN, DEMO_PSIDS, startStack, useStack } from './helpers.js';

const SECRET = 'app-secret-under-test';
const PROOF = createHmac('sha256', SECRET).update(DEMO_PAGE_TOKEN).digest('hex');
const QUERY = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;

describe('appsecret_proof', () => {
  const stack = useStack({ emulator: { appSecret: SECRET }, env: { APP_SECRET: SECRET } });

  it('is sent with every call as hex HMAC-SHA256(app secret, token), and accepted', async () => {
    const res = await stack.query(QUERY);
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(stack.emulator.requests[0]?.params.appsecret_proof).toBe(PROOF);
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain(PROOF);
  });

  it.each([
    ['missing (no APP_SECRET)', {}],
    ['wrong', { APP_SECRET: 'another-secret' }],
  ])('%s → UPSTREAM_AUTH_FAILED', async (_name, env) => {
    const other = await startStack({ emulator: { appSecret: SECRET }, env });
    try {
      const res = await other.query(QUERY);
      expect(codesByPath(res)).toEqual({ 'user.profile': 'UPSTREAM_AUTH_FAILED' });
      expect(res.text).not.toContain(DEMO_PAGE_TOKEN);
      expect(res.text).not.toContain('another-secret');
    } finally {
      await other.close();
    }
  });
});

describe('caching by intermediaries', () => {
  const stack = useStack();

  it.each([
    ['an answer', QUERY],
    ['a request error', '{ user { psid } }'],
  ])('is forbidden on %s: cache-control: no-store', async (_name, query) => {
    const res = await stack.query(query);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('production lock-down', () => {
  const stack = useStack({ env: { NODE_ENV: 'production' } });

  it('refuses introspection', async () => {
    const res = await stack.query('{ __schema { types { name } } }');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('does not serve Apollo Sandbox', async () => {
    const res = await fetch(stack.gateway.url, { headers: { accept: 'text/html' } });
    const html = await res.text();
    expect(html).not.toMatch(/sandbox/i);
  });

  it.each([
    ['a field', `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstNam } } }`, /Cannot query field "firstNam"/],
    ['an argument', `{ user(psdi: "${DEMO_PSIDS.peter}") { psid } }`, /Unknown argument "psdi"/],
    ['a root field', `{ usr(psid: "1") { psid } }`, /Cannot query field "usr"/],
    ['a type', `query Q($p: IDD!) { user(psid: $p) { psid } }`, /Unknown type "IDD"/],
    ['a fragment type', `{ ...F } fragment F on Quer { __typename }`, /Unknown type "Quer"/],
  ])('never suggests names for a misspelt %s', async (_what, query, expected) => {
    const res = await stack.query(query);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(expected);
    expect(res.text).not.toMatch(/Did you mean/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('masks internal errors: generic message, no upstream detail, no stack trace', async () => {
    stack.emulator.setUser('8000000000000003', {
      kind: 'error',
      error: () => ({ status: 400, error: { message: 'Something odd at /srv/graph.php', type: 'OAuthException', code: 12345 } }),
    });
    const res = await stack.query(`{ user(psid: "8000000000000003") { profile { firstName } } }`);
    expect(res.body.errors).toEqual([
      { message: 'Internal server error', path: ['user', 'profile'], locations: [expect.any(Object)], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(res.text).not.toMatch(/odd|graph\.php|stacktrace|12345/);
  });

  it('hides field suggestions and stack traces', async () => {
    const res = await stack.query(`{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstNam } } }`);
    expect(res.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const failing = await stack.query(`{ user(psid: "9999999999999999") { profile { firstName } } }`);
    expect(codesByPath(failing)).toEqual({ 'user.profile': 'NOT_FOUND' });
    expect(JSON.stringify(failing.body)).not.toMatch(/stacktrace|\.ts:\d+/);
  });
});

describe('development', () => {
  const stack = useStack({ env: { NODE_ENV: 'development' } });

  it('serves Apollo Sandbox to a browser and allows introspection', async () => {
    const res = await fetch(stack.gateway.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/embeddable-sandbox/);
    const schema = await stack.query('{ __type(name: "MessengerProfile") { description fields { name description } } }');
    const type = schema.body.data?.__type;
    expect(type.description).toBeTruthy();
    expect(type.fields.every((f: { description: string | null }) => f.description)).toBe(true);
  });

  it('never returns the token, even when asked through the PSID', async () => {
    const res = await stack.query(`{ user(psid: "123?fields=access_token") { psid } }`);
    expect(codesByPath(res)).toEqual({ user: 'BAD_USER_INPUT' });
    expect(res.text).not.toContain(DEMO_PAGE_TOKEN);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses oversized bodies with 413 and unknown paths with 404', async () => {
    const big = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(big.status).toBe(413);
    const notFound = await fetch(stack.gateway.url.replace('/graphql', '/nope'));
    expect(notFound.status).toBe(404);
  });
});
