import { describe, expect, it } from 'vitest';
import { heapAfterGc } from '../heap.js';
import { MemoryStore } from '../../src/cache/stores/memory.js';


/** A cache entry as the profile cache writes one: three fields, each with its fetch time. */
const entry = (i: number) =>
  JSON.stringify({
    fields: {
      first_name: { value: `Peter${i}`, at: 1_700_000_000_000 + i },
      last_name: { value: 'Chang', at: 1_700_000_000_000 },
      profile_pic: { value: `https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=${i}&width=1024&ext=1&hash=AbCd`, at: 1_700_000_000_000 },
    },
  });

describe('MemoryStore (PROFILE_CACHE_MAX_BYTES)', () => {
  it('filled past its bound, holds a heap within 1.5× of the bound plus a fixed base', async () => {
    const bound = 16 * 1024 * 1024;
    const store = new MemoryStore(bound);
    const before = heapAfterGc();
    for (let i = 0; i < 100_000; i++) await store.swap(`profile:page-0123456789abcdef:${7_000_000_000_000_000 + i}`, undefined, entry(i), 86_400);
    const grown = heapAfterGc() - before;
    // The newest entry is kept, the oldest evicted: the bound was reached.
    expect(await store.get(`profile:page-0123456789abcdef:${7_000_000_000_000_000 + 99_999}`)).toBe(entry(99_999));
    expect(await store.get(`profile:page-0123456789abcdef:${7_000_000_000_000_000}`)).toBeUndefined();
    expect(grown).toBeLessThan(1.5 * bound + 2 * 1024 * 1024);
  });
});
