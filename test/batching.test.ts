import { describe, expect, it } from 'vitest';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, generatedPsid, useStack } from './helpers.js';

describe('batching through the Graph batch endpoint', () => {
  const stack = useStack();

  it('POSTs the batch form with the token in the body, never in the URL', async () => {
    await stack.query(`{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`);
    const [request] = stack.emulator.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v25.0/');
    expect(request?.params).toEqual({ access_token: DEMO_PAGE_TOKEN, include_headers: 'false' });
    expect(request?.batch).toEqual([
      { method: 'GET', relativeUrl: `${DEMO_PSIDS.peter}?fields=first_name`, id: DEMO_PSIDS.peter, fields: ['first_name'] },
    ]);
  });

  it('sends 60 users in 2 HTTP requests of at most 50, answering in input order', async () => {
    const psids = Array.from({ length: 60 }, (_, i) => generatedPsid(59 - i));
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { psid profile { firstName lastName } } }`, { p: psids });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.users.map((u: { psid: string }) => u.psid)).toEqual(psids);
    expect(res.body.data?.users.every((u: { profile: unknown }) => u.profile !== null)).toBe(true);
    expect(stack.emulator.requests.map((r) => r.batch?.length).sort((a = 0, b = 0) => a - b)).toEqual([10, 50]);
    expect(new Set(stack.emulator.subRequests.map((s) => s.id))).toEqual(new Set(psids));
  });

  it('looks duplicate PSIDs up once and repeats them in the answer', async () => {
    const p = [DEMO_PSIDS.peter, DEMO_PSIDS.fractional, DEMO_PSIDS.peter];
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`, { p });
    expect(res.body.data?.users).toEqual([
      { profile: { firstName: 'Peter' } },
      { profile: { firstName: 'Priya' } },
      { profile: { firstName: 'Peter' } },
    ]);
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests.map((s) => s.id)).toEqual([DEMO_PSIDS.peter, DEMO_PSIDS.fractional]);
  });

  it('merges the fields asked for one PSID anywhere in the operation into one sub-request', async () => {
    const res = await stack.query(`{
      a: user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } }
      b: user(psid: "${DEMO_PSIDS.peter}") { profile { lastName } }
      c: users(psids: ["${DEMO_PSIDS.peter}"]) { p1: profile { locale } p2: profile { firstName } }
    }`);
    expect(res.body.data).toEqual({
      a: { profile: { firstName: 'Peter' } },
      b: { profile: { lastName: 'Chang' } },
      c: [{ p1: { locale: 'en_US' }, p2: { firstName: 'Peter' } }],
    });
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests).toHaveLength(1);
    expect(new Set(stack.emulator.subRequests[0]?.fields)).toEqual(new Set(['first_name', 'last_name', 'locale']));
  });

  it('keeps one loader per operation: a second operation asks again', async () => {
    const q = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;
    await stack.query(q);
    await stack.query(q);
    expect(stack.emulator.requests).toHaveLength(2);
  });
});
