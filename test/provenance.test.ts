import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { DEMO_PSIDS, startStack, testClock, WITHOUT_RESILIENCE, type Stack, type TestClock } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const CACHE_ON = { PROFILE_CACHE_TTL: '300', NEGATIVE_CACHE_TTL: '60', PROFILE_STALE_TTL: '86400', ...WITHOUT_RESILIENCE };
const profileQuery = (selection: string) => `{ user(psid: "${PETER}") { profile { ${selection} } } }`;
const iso = (ms: number) => new Date(ms).toISOString();

describe('MessengerProfile.source and fetchedAt', () => {
  let stack: Stack;
  let clock: TestClock;
  beforeEach(async () => {
    clock = testClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    stack = await startStack({ env: CACHE_ON, clock: clock.now });
  });
  afterEach(() => stack.close());

  it('a live answer is GRAPH_API, dated at its lookup; a repeat is CACHE with the same date', async () => {
    const t0 = clock.now();
    const live = await stack.query(profileQuery('firstName source fetchedAt'));
    expect(live.body).toEqual({ data: { user: { profile: { firstName: 'Peter', source: 'GRAPH_API', fetchedAt: iso(t0) } } } });

    clock.advance(10);
    const cached = await stack.query(profileQuery('firstName source fetchedAt'));
    expect(cached.body).toEqual({ data: { user: { profile: { firstName: 'Peter', source: 'CACHE', fetchedAt: iso(t0) } } } });
    expect(stack.emulator.subRequests).toHaveLength(1);
  });

  it('names the oldest kind and the oldest fetch time when cached and live values are mixed', async () => {
    const t0 = clock.now();
    await stack.query(profileQuery('firstName'));
    clock.advance(30);
    const mixed = await stack.query(profileQuery('firstName lastName source fetchedAt'));
    expect(mixed.body.data?.user.profile).toEqual({ firstName: 'Peter', lastName: 'Chang', source: 'CACHE', fetchedAt: iso(t0) });
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name'], ['last_name']]);

    // Both fields now come from the cache; the oldest is still first_name's.
    clock.advance(30);
    const cached = await stack.query(profileQuery('lastName source fetchedAt'));
    expect(cached.body.data?.user.profile).toEqual({ lastName: 'Chang', source: 'CACHE', fetchedAt: iso(t0 + 30_000) });
  });

  it('a stale stand-in is STALE_CACHE, dated when it was fetched, beside extensions.stale', async () => {
    const t0 = clock.now();
    await stack.query(profileQuery('firstName'));
    clock.advance(400);
    stack.emulator.injectFault({ error: GraphErrors.serviceError() });
    const stale = await stack.query(profileQuery('firstName source fetchedAt'));
    expect(stale.body).toEqual({
      data: { user: { profile: { firstName: 'Peter', source: 'STALE_CACHE', fetchedAt: iso(t0) } } },
      extensions: { stale: [{ path: ['user', 'profile'], ageSeconds: 400 }] },
    });
  });

  it('a refreshed user reads GRAPH_API again', async () => {
    await stack.query(profileQuery('firstName'));
    clock.advance(5);
    const refreshed = await stack.query(`mutation { refreshUser(psid: "${PETER}") { profile { source fetchedAt } } }`);
    // Only provenance selected: no value read, so nothing older than a live answer.
    expect(refreshed.body).toEqual({ data: { refreshUser: { profile: { source: 'GRAPH_API', fetchedAt: null } } } });
    const after = await stack.query(profileQuery('firstName source fetchedAt'));
    expect(after.body.data?.user.profile).toEqual({ firstName: 'Peter', source: 'GRAPH_API', fetchedAt: iso(clock.now()) });
  });

  it('costs no upstream request of its own: alone it asks nothing, beside fields it asks only for them', async () => {
    const alone = await stack.query(profileQuery('source fetchedAt'));
    expect(alone.body).toEqual({ data: { user: { profile: { source: 'GRAPH_API', fetchedAt: null } } } });
    expect(stack.emulator.requests).toHaveLength(0);

    await stack.query(profileQuery('timezone source fetchedAt'));
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['timezone']]);
  });
});

describe('MessengerProfile.source without the cache', () => {
  it('is GRAPH_API, dated at each lookup', async () => {
    const clock = testClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    const stack = await startStack({ env: { PROFILE_CACHE_TTL: '0' }, clock: clock.now });
    try {
      const first = await stack.query(profileQuery('firstName source fetchedAt'));
      expect(first.body.data?.user.profile).toEqual({ firstName: 'Peter', source: 'GRAPH_API', fetchedAt: iso(clock.now()) });
      clock.advance(60);
      const second = await stack.query(profileQuery('firstName source fetchedAt'));
      expect(second.body.data?.user.profile).toEqual({ firstName: 'Peter', source: 'GRAPH_API', fetchedAt: iso(clock.now()) });
    } finally {
      await stack.close();
    }
  });
});
