import { describe, expect, it } from 'vitest';
import { heapAfterGc } from './heap.js';
import { DEMO_PSIDS, startStack, useStack } from './helpers.js';


/** A valid one-user query, distinct per `i`, padded with a comment of `padBytes` (comments are no tokens). */
const padded = (i: number, padBytes: number) => `# ${'x'.repeat(padBytes)}\nquery Q${i} { user(psid: "${DEMO_PSIDS.peter}") { psid } }`;

describe('query text is bounded before parsing (MAX_QUERY_BYTES)', () => {
  const stack = useStack();

  it('refuses a query padded with a 1 MB comment with 413, before any upstream call', async () => {
    const result = await stack.query(padded(0, 900_000));
    expect(result.status).toBe(413);
    expect(result.body).toEqual({ errors: [{ message: 'Query text larger than 16384 bytes (MAX_QUERY_BYTES).', extensions: { code: 'BAD_REQUEST' } }] });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('still answers a query just under the limit', async () => {
    const result = await stack.query(padded(2, 16_000));
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ user: { psid: DEMO_PSIDS.peter } });
  });
});

describe('document and compiled-query caches are bounded by heap (QUERY_CACHE_MAX_BYTES)', () => {
  it('keeps the heap within 1.5× of both bounds plus a base after 300 distinct padded documents', async () => {
    const bound = 2 * 1024 * 1024;
    const stack = await startStack({ env: { MAX_QUERY_BYTES: String(1024 * 1024), QUERY_CACHE_MAX_BYTES: String(bound) } });
    try {
      await stack.query(padded(-1, 10)); // warm: schema, plugins, first compilation
      const before = heapAfterGc();
      // 300 × 200 kB of comments: 60 MB of source text if every document were kept whole.
      for (let i = 0; i < 300; i++) {
        const result = await stack.query(padded(i, 200_000));
        expect(result.status).toBe(200);
      }
      const grown = heapAfterGc() - before;
      const base = 8 * 1024 * 1024;
      expect(grown).toBeLessThan(1.5 * (2 * bound) + base);
    } finally {
      await stack.close();
    }
  });
});
