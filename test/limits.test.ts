import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEMO_PSIDS, generatedPsid, postGraphQL, startStack, useStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;

/**
 * POSTs a body of which only `sent` bytes ever go out, the rest held back: an answer can only come
 * from a gateway that refused before reading the whole body.
 */
function postUnfinished(url: string, sent: string, declaredBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(declaredBytes) } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(sent);
  });
}

// The token limits are met by texts longer than MAX_QUERY_BYTES's default, which would refuse them first.
const ROOMY_TEXT = { MAX_QUERY_BYTES: String(1024 * 1024) };

describe('limits, checked before any upstream request', () => {
  const stack = useStack({ env: ROOMY_TEXT });

  it('refuses a 500-alias operation: at the token limit, and at the alias limit when tokens allow it', async () => {
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: user(psid: "${PETER}") { psid }`);
    const query = `{ ${aliases.join(' ')} }`;
    // Refused by the parser at its 1000th token, before validation, execution or any lookup.
    const result = await stack.query(query);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.message).toMatch(/Document contains more th\w+ 1000 tokens/);

    const roomy = await startStack({ env: { MAX_TOKENS: '20000', ...ROOMY_TEXT } });
    try {
      // Refused at validation: no resolver ran, so no user was looked up.
      const refused = await roomy.query(query);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.map((e) => e.message)).toContain('Syntax Error: Aliases limit of 15 exceeded, found 500.');
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(roomy.emulator.requests).toHaveLength(0);
    } finally {
      await roomy.close();
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a 20,000-token document while parsing', async () => {
    const fields = Array.from({ length: 20_000 }, () => '__typename').join(' ');
    const result = await stack.query(`{ ${fields} }`);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.message).toMatch(/Document contains more th\w+ 1000 tokens/);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a 2 MB body with 413 before reading it all', async () => {
    const query = `{ user(psid: "${PETER}") { profile { firstName } } }`;
    const body = JSON.stringify({ query, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    // Only the first 1.1 MB is ever sent: the answer comes while the rest is still held back.
    const result = await postUnfinished(stack.gateway.url, body.slice(0, 1_100_000), Buffer.byteLength(body));
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({
      errors: [{ message: 'Request body larger than 1048576 bytes.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses an operation deeper than the depth limit', async () => {
    const deep = `{ user(psid: "${PETER}") { profile { lastAdReferral { adId } } } }`;
    const ok = await stack.query(deep);
    expect(ok.status).toBe(200);
    stack.emulator.reset();
    const limited = await startStack({ env: { MAX_QUERY_DEPTH: '3' } });
    try {
      const res = await limited.query(deep);
      expect(res.body.errors?.[0]?.message).toMatch(/depth limit of 3 exceeded, found 4/);
      expect(limited.emulator.requests).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it('counts root fields through fragments and refuses more than the limit', async () => {
    const fragment = Array.from({ length: 6 }, (_, i) => `f${i}: user(psid: "${PETER}") { psid }`).join(' ');
    const res = await stack.query(`{ ...A ...B } fragment A on Query { ${fragment} } fragment B on Query { u: users(psids: []) { psid } __typename t: __typename s: __typename q: __typename }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.message)).toContain('Root fields limit of 10 exceeded, found 11.');
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses more than 250 distinct PSIDs per operation, counting variables', async () => {
    const psids = (from: number, count: number) => Array.from({ length: count }, (_, i) => generatedPsid(from + i));
    const query = `query Many($a: [ID!]!, $b: [ID!]!, $c: [ID!]!) {
      a: users(psids: $a) { profile { firstName } }
      b: users(psids: $b) { profile { firstName } }
      c: users(psids: $c) { profile { firstName } }
      d: user(psid: "${PETER}") { profile { firstName } }
    }`;
    const refused = await stack.query(query, { a: psids(0, 100), b: psids(100, 100), c: psids(200, 50) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      {
        message: 'This operation asks for 251 distinct PSIDs; at most 250 are allowed.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(stack.emulator.requests).toHaveLength(0);

    // Repeats count once: 250 distinct PSIDs pass.
    const allowed = await stack.query(query, { a: psids(0, 100), b: psids(100, 100), c: psids(150, 50) });
    expect(allowed.status).toBe(200);
    expect(allowed.body.errors).toBeUndefined();
    expect(stack.emulator.subRequests).toHaveLength(201);
  });

  it('counts the PSIDs of variable default values, as the operation will run them', async () => {
    const psids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `"${generatedPsid(from + i)}"`).join(' ');
    const query = `query Defaults($a: [ID!]! = [${psids(0, 100)}], $b: [ID!]! = [${psids(100, 100)}], $c: [ID!] = [${psids(200, 51)}], $d: ID = "${PETER}") {
      a: users(psids: $a) { profile { firstName } }
      b: users(psids: $b) { profile { firstName } }
      c: users(psids: $c) { profile { firstName } }
      d: user(psid: $d) { profile { firstName } }
    }`;
    const refused = await stack.query(query);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.message).toBe('This operation asks for 252 distinct PSIDs; at most 250 are allowed.');
    expect(stack.emulator.requests).toHaveLength(0);

    // A variable given overrides its default: these are what will run.
    const given = await stack.query(query, { c: [generatedPsid(0)] });
    expect(given.status).toBe(200);
    expect(given.body.errors).toBeUndefined();
    expect(stack.emulator.subRequests).toHaveLength(201);
  });

  it('refuses batched HTTP arrays', async () => {
    const op = { query: `{ user(psid: "${PETER}") { profile { firstName } } }` };
    const res = await postGraphQL(stack.gateway.url, [op, op]);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(/batching/i);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('prevents CSRF: a simple request (text/plain POST, or GET without a preflight header) is refused', async () => {
    const query = `{ user(psid: "${PETER}") { profile { firstName } } }`;
    const plain = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query }),
    });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/Cross-Site Request Forgery/);
    const get = await fetch(`${stack.gateway.url}?query=${encodeURIComponent(query)}`);
    expect(get.status).toBe(400);
    expect(stack.emulator.requests).toHaveLength(0);

    const preflighted = await fetch(`${stack.gateway.url}?query=${encodeURIComponent(query)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
