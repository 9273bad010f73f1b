import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearerCheck, bearerLookup } from '../src/http/auth.js';
import { captureLogs, DEMO_PSIDS, gatewayUrl, startStack, type Stack } from './helpers.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-fedcba9876543210';
const QUERY = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;

describe('GATEWAY_API_KEYS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { GATEWAY_API_KEYS: `${KEY_A}, ${KEY_B}` } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.emulator.reset());

  it.each([
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer key-c-not-configured-at-all' }],
    ['a key prefix', { authorization: `Bearer ${KEY_A.slice(0, -1)}` }],
    ['a known key without the Bearer scheme', { authorization: KEY_A }],
    ['a known key as Basic credentials', { authorization: `Basic ${KEY_A}` }],
  ])('answers 401 with a GraphQL error body to %s, without calling the Graph API', async (_name, headers) => {
    const res = await stack.query(QUERY, undefined, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual({
      errors: [
        { message: 'Missing or unknown API key: send Authorization: Bearer <key>.', extensions: { code: 'UNAUTHENTICATED' } },
      ],
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('serves a caller with any configured key', async () => {
    for (const key of [KEY_A, KEY_B]) {
      const res = await stack.query(QUERY, undefined, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
    }
    const lowercase = await stack.query(QUERY, undefined, { authorization: `bearer ${KEY_A}` });
    expect(lowercase.status).toBe(200);
  });

  it('checks the key before reading a body, so a huge unauthenticated body costs nothing', async () => {
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(401);
  });

  it('lets health endpoints through without a key', async () => {
    expect((await fetch(gatewayUrl(stack, '/healthz'))).status).toBe(200);
    expect((await fetch(gatewayUrl(stack, '/readyz'))).status).toBe(200);
  });

  it('lets a GET without a query string through (it runs nothing: Sandbox in development)', async () => {
    const res = await fetch(stack.gateway.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/embeddable-sandbox/);
    const sneaky = await fetch(`${stack.gateway.url}?query=${encodeURIComponent(QUERY)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(sneaky.status).toBe(401);
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('without GATEWAY_API_KEYS', () => {
  it('stays open in development, and says loudly, once, in production that it is open', async () => {
    const devLogs = captureLogs();
    const dev = await startStack({ env: { LOG_LEVEL: 'info', NODE_ENV: 'development' }, logs: devLogs });
    try {
      expect((await dev.query(QUERY)).status).toBe(200);
      expect(devLogs.raw.join('\n')).not.toMatch(/GATEWAY_API_KEYS/);
    } finally {
      await dev.close();
    }

    const logs = captureLogs();
    const prod = await startStack({ env: { LOG_LEVEL: 'info', NODE_ENV: 'production' }, logs });
    try {
      await prod.query(QUERY);
      await prod.query(QUERY);
      const warnings = logs.lines().filter((line) => /GATEWAY_API_KEYS is not set/.test(line.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe(50);
      expect(warnings[0]?.msg).toMatch(/OPEN/);
    } finally {
      await prod.close();
    }
  });
});

describe('bearerCheck', () => {
  it('accepts exactly the configured keys', () => {
    const check = bearerCheck([KEY_A]);
    expect(check(`Bearer ${KEY_A}`)).toBe(true);
    expect(check(`Bearer ${KEY_A} `)).toBe(true);
    expect(check(`Bearer ${KEY_A}x`)).toBe(false);
    expect(check('Bearer ')).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(() => bearerCheck([])).toThrow(TypeError);
  });
});

describe('bearerLookup', () => {
  it('tells which caller a key stands for, and no one for anything else', () => {
    const lookup = bearerLookup([
      [KEY_A, 'console'],
      [KEY_B, 'crm-sync'],
    ]);
    expect(lookup(`Bearer ${KEY_A}`)).toBe('console');
    expect(lookup(`bearer ${KEY_B} `)).toBe('crm-sync');
    expect(lookup(`Bearer ${KEY_B}x`)).toBeUndefined();
    expect(lookup('Bearer ')).toBeUndefined();
    expect(lookup(undefined)).toBeUndefined();
    expect(() => bearerLookup([])).toThrow(TypeError);
  });
});
