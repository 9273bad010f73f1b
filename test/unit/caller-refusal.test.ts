import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/cache/stores/memory.js';
import { createProfileCache } from '../../src/cache/profile-cache.js';
import { cached } from '../../src/chain/layers/cache.js';
import { overBudget, rateLimited } from '../../src/core/errors.js';
import { messengerUser, parsePsid, type Psid } from '../../src/core/ids.js';
import type { Caller, Lookup, ProfileResult } from '../../src/core/lookup.js';

const PSID = parsePsid('7000000000000001') as Psid;
const USER = messengerUser(PSID);
const SYNC: Caller = { name: 'crm-sync', priority: 'bulk', lookupsPerMinute: 1 };
const CONSOLE: Caller = { name: 'console', priority: 'interactive' };

/**
 * The cache over a layer that holds every lookup until released, then refuses bulk callers with
 * `bulkAnswer` and answers the others; records who asked for which users.
 */
function cacheOver(bulkAnswer: () => ProfileResult) {
  const asked: { caller: string | undefined; psids: string[] }[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const below: Lookup = async (requests, call) => {
    asked.push({ caller: call.caller?.name, psids: requests.map((r) => r.user.id) });
    await gate;
    return { results: requests.map(() => (call.caller?.priority === 'bulk' ? bulkAnswer() : { kind: 'profile', data: { first_name: 'Ann' } })) };
  };
  const cache = createProfileCache(new MemoryStore(1 << 20), {
    page: 'page-1',
    policy: { ttlMs: 300_000, negativeTtlMs: 60_000, staleTtlMs: 0 },
    clock: () => 1_700_000_000_000,
  });
  return { lookup: cached(cache)(below), asked, release };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a lookup joined under way, then refused for the caller that started it', () => {
  it('is asked again for the caller that joined it, which is answered', async () => {
    const { lookup, asked, release } = cacheOver(() => overBudget(30));
    const bulk = lookup([{ user: USER, fields: ['first_name'] }], { caller: SYNC });
    await tick();
    const interactive = lookup([{ user: USER, fields: ['first_name'] }], { caller: CONSOLE });
    await tick();
    // The interactive operation joined the bulk lookup: no lookup of its own yet.
    expect(asked).toEqual([{ caller: 'crm-sync', psids: [PSID] }]);
    release();
    expect((await interactive).results).toEqual([{ kind: 'profile', data: { first_name: 'Ann' } }]);
    expect((await bulk).results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'caller' } });
    expect(asked).toEqual([
      { caller: 'crm-sync', psids: [PSID] },
      { caller: 'console', psids: [PSID] },
    ]);
  });

  it('is shared as it is when the Page itself is throttled: that answer holds for everyone', async () => {
    const { lookup, asked, release } = cacheOver(() => rateLimited({ retryAfterSeconds: 60 }));
    void lookup([{ user: USER, fields: ['first_name'] }], { caller: SYNC });
    await tick();
    const interactive = lookup([{ user: USER, fields: ['first_name'] }], { caller: CONSOLE });
    await tick();
    release();
    expect((await interactive).results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'page' } });
    expect(asked).toHaveLength(1);
  });
});
