import { describe, expect, it } from 'vitest';
import { createProfileCache } from '../../../src/cache/profile-cache.js';
import { MemoryStore } from '../../../src/cache/stores/memory.js';
import { cached } from '../../../src/chain/layers/cache.js';
import { upstreamUnavailable } from '../../../src/core/errors.js';
import type { Answer } from '../../../src/core/lookup.js';
import { fakeNext, gate, profile, request, settle, testClock } from './fake.js';

const TTL_MS = 300_000;

function layered(answer?: Parameters<typeof fakeNext>[0]) {
  const clock = testClock();
  const cache = createProfileCache(new MemoryStore(1 << 20), {
    page: 'page-1',
    policy: { ttlMs: TTL_MS, negativeTtlMs: 60_000, staleTtlMs: 0 },
    clock: clock.now,
  });
  const { next, seen } = fakeNext(answer);
  return { lookup: cached(cache)(next), seen, clock };
}

const data = (answer: Answer) => answer.results.map((r) => (r instanceof Error ? r : r.kind === 'profile' ? r.data : r.kind));

describe('cache layer', () => {
  it('answers a fresh field from the cache without passing it down; past the TTL on the clock, asks again', async () => {
    const { lookup, seen, clock } = layered();
    expect(data(await lookup([request(1)], {}))).toEqual([{ first_name: 'Ann' }]);
    expect(data(await lookup([request(1)], {}))).toEqual([{ first_name: 'Ann' }]);
    expect(seen).toHaveLength(1);
    clock.advance(TTL_MS);
    await lookup([request(1)], {});
    expect(seen).toHaveLength(2);
  });

  it('passes down only the users and fields it does not have', async () => {
    const { lookup, seen } = layered();
    await lookup([request(1)], {});
    await lookup([request(1, ['first_name', 'last_name']), request(2)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1)], [request(1, ['last_name']), request(2)]]);
  });

  it('joins a lookup under way: two at once cost one lookup below', async () => {
    const held = gate();
    const { lookup, seen } = layered(async (requests) => {
      await held.promise;
      return { results: requests.map(() => profile()) };
    });
    const first = lookup([request(1)], {});
    await settle();
    const second = lookup([request(1)], {});
    await settle();
    held.release();
    expect(data(await first)).toEqual([{ first_name: 'Ann' }]);
    expect(data(await second)).toEqual([{ first_name: 'Ann' }]);
    expect(seen).toHaveLength(1);
  });

  it('keeps no failure: the next lookup passes down again', async () => {
    const { lookup, seen } = layered((requests) => ({ results: requests.map(() => upstreamUnavailable('HTTP 503')) }));
    expect((await lookup([request(1)], {})).results[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    await lookup([request(1)], {});
    expect(seen).toHaveLength(2);
  });
});
