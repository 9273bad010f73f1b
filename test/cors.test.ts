import { describe, expect, it } from 'vitest';
import { DEMO_PSIDS, useStack } from './helpers.js';

const KEY = 'browser-app-key-0123456789';
const APP = 'http://127.0.0.1:5173';
const EVIL = 'http://127.0.0.1:6666';
const query = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;
const getUrl = (url: string) => `${url}?query=${encodeURIComponent(query)}`;

const preflight = (url: string, origin: string) =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

describe('CORS (CORS_ORIGINS)', () => {
  const stack = useStack({ env: { GATEWAY_API_KEYS: KEY, CORS_ORIGINS: `${APP},https://console.example.com`, CORS_MAX_AGE_SECONDS: '300' } });

  it('answers an allowed origin\'s preflight with 204, what it may send, a max-age and Vary: Origin, without credentials', async () => {
    const res = await preflight(stack.gateway.url, APP);
    expect(res.status).toBe(204);
    expect(Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'))).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight, traceparent, x-request-id',
      'access-control-max-age': '300',
      'access-control-expose-headers': 'x-request-id, retry-after',
      vary: 'Origin',
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses another origin\'s preflight, and never names an origin in its answers', async () => {
    const res = await preflight(stack.gateway.url, EVIL);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await stack.query(query, undefined, { authorization: `Bearer ${KEY}`, origin: EVIL });
    expect(answer.body.data?.user.profile.firstName).toBe('Peter');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('vary')).toBe('Origin');
  });

  it("marks an allowed origin's answers, refusals included, so its page can read them", async () => {
    const ok = await stack.query(query, undefined, { authorization: `Bearer ${KEY}`, origin: APP });
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const refused = await stack.query(query, undefined, { origin: APP });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('runs a GET that carries Authorization (urql\'s default) though it has no preflight header', async () => {
    const res = await fetch(getUrl(stack.gateway.url), { headers: { authorization: `Bearer ${KEY}`, origin: APP } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
  });
});

describe('CSRF prevention with CORS_ORIGINS=* on an open endpoint', () => {
  const stack = useStack({ env: { CORS_ORIGINS: '*' } });

  it('still refuses a simple GET, and answers one with Authorization', async () => {
    const simple = await fetch(getUrl(stack.gateway.url), { headers: { origin: EVIL } });
    expect(simple.status).toBe(400);
    expect(simple.headers.get('access-control-allow-origin')).toBe('*');
    const withToken = await fetch(getUrl(stack.gateway.url), { headers: { origin: EVIL, authorization: 'Bearer anything' } });
    expect(withToken.status).toBe(200);
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
