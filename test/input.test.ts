import { describe, expect, it } from 'vitest';
import { codesByPath, DEMO_PSIDS, generatedPsid, postGraphQL, useStack } from './helpers.js';

const BAD_PSIDS = ['me', '123/accounts', '123?fields=access_token', '../v25.0/me', '', ' ', '12 34', '1,2', '１２３', '1'.repeat(33), '-1', '0x10'];

describe('PSID validation', () => {
  const stack = useStack();

  it.each(BAD_PSIDS)('user(psid: %j) → BAD_USER_INPUT and no upstream request', async (psid) => {
    const res = await stack.query(`query($p: ID!) { user(psid: $p) { profile { firstName } } }`, { p: psid });
    expect(res.body.data).toBeNull();
    expect(codesByPath(res)).toEqual({ user: 'BAD_USER_INPUT' });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('a bad PSID among good ones in users → BAD_USER_INPUT and no upstream request', async () => {
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`, {
      p: [DEMO_PSIDS.peter, '123/accounts'],
    });
    expect(codesByPath(res)).toEqual({ users: 'BAD_USER_INPUT' });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('more than 100 PSIDs in one users call → BAD_USER_INPUT before any upstream request', async () => {
    const p = Array.from({ length: 101 }, (_, i) => generatedPsid(i));
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`, { p });
    expect(codesByPath(res)).toEqual({ users: 'BAD_USER_INPUT' });
    expect(res.body.errors?.[0]?.message).toMatch(/At most 100/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('accepts 100 PSIDs and a 32-digit PSID', async () => {
    const p = Array.from({ length: 100 }, (_, i) => generatedPsid(i));
    const res = await stack.query(`query($p: [ID!]!) { users(psids: $p) { psid } one: user(psid: "${'9'.repeat(32)}") { psid } }`, { p });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.users).toHaveLength(100);
  });

  it('an integer literal is accepted as an ID', async () => {
    const res = await stack.query(`{ user(psid: 1254459154682919) { profile { firstName } } }`);
    expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
  });
});

describe('numbers and hashes that cannot be what the client meant', () => {
  const stack = useStack({ env: { LOG_LEVEL: 'warn' } });
  const raw = async (body: string) => {
    const res = await fetch(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  it.each([
    ['psid', 'ID!', 'user(psid: $p)', '12544591546829191234'],
    ['psids', '[ID!]!', 'users(psids: $p)', '[1254459154682919, 9007199254740993]'],
  ])('a JSON number above 2^53 for %s → BAD_USER_INPUT and no upstream request', async (_name, type, field, value) => {
    const res = await raw(`{"query":"query($p: ${type}) { ${field} { profile { firstName } } }","variables":{"p":${value}}}`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.message).toMatch(/2\^53|safe integer|as a string/i);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('a JSON number PSID within 2^53 is still accepted', async () => {
    const res = await raw(`{"query":"query($p: ID!) { user(psid: $p) { profile { firstName } } }","variables":{"p":1254459154682919}}`);
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
  });

  it('a persisted-query hash that does not match the query → client error, not an internal one', async () => {
    const res = await postGraphQL(stack.gateway.url, {
      query: `{ user(psid: "${DEMO_PSIDS.peter}") { psid } }`,
      extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^(PERSISTED_QUERY_\w+|BAD_REQUEST)$/);
    expect(stack.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(stack.emulator.requests).toHaveLength(0);
  });
});
