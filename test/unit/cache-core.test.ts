import { describe, expect, it } from 'vitest';
import { assembleAnswer, outcomeOf } from '../../src/cache/assemble.js';
import { decodeEntry, encodeEntry, withFields, withRefresh, type CacheEntry, type CachePolicy } from '../../src/cache/entry.js';
import { profileKey } from '../../src/cache/keys.js';
import { addToBatch, joinInflight, openBatch, planRequest, type Plan } from '../../src/cache/plan.js';
import { lookupProfiles } from '../../src/cache/profile-cache.js';
import { cacheState, type CacheState } from '../../src/cache/state.js';
import type { EntryStore, Swap } from '../../src/cache/stores/entry-store.js';
import { MemoryStore } from '../../src/cache/stores/memory.js';
import { remember, updateEntry } from '../../src/cache/write-back.js';
import { overBudget, rateLimited, upstreamUnavailable } from '../../src/core/errors.js';
import { messengerUser, parsePsid, type Psid } from '../../src/core/ids.js';
import type { Lookup, ProfileRequest, ProfileResult } from '../../src/core/lookup.js';

const ANN = parsePsid('7000000000000001') as Psid;
const BOB = parsePsid('7000000000000002') as Psid;
const T0 = 1_700_000_000_000;
// Distinct figures so a rule reading the wrong one fails.
const policy: CachePolicy = {
  ttlMs: 5_000,
  negativeTtlMs: 300,
  staleTtlMs: 60_000,
};

/** The memory store, recording every compare-and-set it is asked for. */
class RecordingStore implements EntryStore {
  readonly swaps: { key: string; expected: string | undefined }[] = [];
  /** Runs once, before the next swap: another instance's write landing first. */
  beforeSwap: (() => Promise<void>) | undefined;
  constructor(readonly inner = new MemoryStore(1 << 20)) {}
  get(key: string): Promise<string | undefined> {
    return this.inner.get(key);
  }
  async swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap> {
    const before = this.beforeSwap;
    this.beforeSwap = undefined;
    await before?.();
    this.swaps.push({ key, expected });
    return this.inner.swap(key, expected, next, ttlSeconds);
  }
}

/** A cache state over the recording store and a clock the test moves. */
function setup() {
  const store = new RecordingStore();
  const clock = { now: T0 };
  const cache = cacheState(store, {
    page: 'page-1',
    policy,
    clock: () => clock.now,
  });
  return {
    store,
    clock,
    cache,
    key: (psid: Psid) => profileKey('page-1', messengerUser(psid)),
  };
}

/** A Lookup below the cache that records each batch and answers from `answer`. */
function below(
  answer: (request: ProfileRequest) => ProfileResult = () => ({
    kind: 'profile',
    data: { first_name: 'Ann' },
  }),
) {
  const batches: ProfileRequest[][] = [];
  const next: Lookup = async (requests) => {
    batches.push(requests.map((r) => ({ user: r.user, fields: [...r.fields] })));
    return { results: requests.map(answer) };
  };
  return { next, batches };
}

const stored = async (cache: CacheState, key: string) => decodeEntry(await cache.store.get(key));
const entryOf = (fields: Record<string, { at: number; value?: unknown }>): CacheEntry => ({ fields });

describe('openBatch / addToBatch', () => {
  it('sends every request added in the same tick as one batch, each answered with its own result', async () => {
    const { next, batches } = below((r) => ({
      kind: 'profile',
      data: { id: r.user.id },
    }));
    const batch = openBatch(next, {});
    const a = addToBatch(batch, { user: messengerUser(ANN), fields: ['first_name'] });
    const b = addToBatch(batch, { user: messengerUser(BOB), fields: ['last_name'] });
    expect(await Promise.all([a, b])).toEqual([
      { kind: 'profile', data: { id: ANN } },
      { kind: 'profile', data: { id: BOB } },
    ]);
    expect(batches).toEqual([
      [
        { user: messengerUser(ANN), fields: ['first_name'] },
        { user: messengerUser(BOB), fields: ['last_name'] },
      ],
    ]);
  });

  it('sends nothing when nothing was added', async () => {
    const { next, batches } = below();
    expect(await openBatch(next, {}).results).toEqual([]);
    expect(batches).toEqual([]);
  });

  it('turns a throw below into one error per request, and a short answer into an error for the missing one', async () => {
    const thrown = openBatch(async () => {
      throw new Error('socket closed');
    }, {});
    const r1 = addToBatch(thrown, { user: messengerUser(ANN), fields: ['first_name'] });
    expect(await r1).toMatchObject({ message: 'socket closed' });
    const short = openBatch(async () => ({ results: [] }), {});
    expect(await addToBatch(short, { user: messengerUser(ANN), fields: ['first_name'] })).toMatchObject({ message: /fewer results/ });
  });
});

describe('planRequest', () => {
  it('takes fresh fields from the entry and adds only the rest to the batch', async () => {
    const { cache, key } = setup();
    const { next, batches } = below();
    const batch = openBatch(next, {});
    const raw = encodeEntry(
      entryOf({
        first_name: { at: T0 - 1_000, value: 'Ann' },
        last_name: { at: T0 - policy.ttlMs, value: 'Old' },
      }),
    );
    const plan = planRequest(cache, batch, { user: messengerUser(ANN), fields: ['first_name', 'last_name', 'first_name'] }, raw, T0);
    expect([...plan.cached.keys()]).toEqual(['first_name']);
    expect(plan.parts.map((p) => p.fields)).toEqual([['last_name']]);
    expect(plan.own?.fields).toEqual(new Set(['last_name']));
    // Registered at once, before the batch goes below.
    expect(cache.inflight.cover(key(ANN), ['last_name']).joined).toHaveLength(1);
    await batch.results;
    expect(batches).toEqual([[{ user: messengerUser(ANN), fields: ['last_name'] }]]);
  });

  it('answers a fresh "no profile" with nothing to ask', async () => {
    const { cache } = setup();
    const { next, batches } = below();
    const batch = openBatch(next, {});
    const raw = encodeEntry({
      fields: {},
      none: { at: T0 - policy.negativeTtlMs + 1 },
    });
    const plan = planRequest(cache, batch, { user: messengerUser(ANN), fields: ['first_name'] }, raw, T0);
    expect(plan).toMatchObject({ none: true, parts: [] });
    expect(plan.own).toBeUndefined();
    await batch.results;
    expect(batches).toEqual([]);
  });

  it('joins a second request for the same user in the same batch instead of asking twice', async () => {
    const { cache } = setup();
    const { next, batches } = below();
    const batch = openBatch(next, {});
    planRequest(cache, batch, { user: messengerUser(ANN), fields: ['first_name'] }, undefined, T0);
    const second = planRequest(cache, batch, { user: messengerUser(ANN), fields: ['first_name', 'last_name'] }, undefined, T0);
    expect(second.parts.map((p) => p.fields)).toEqual([['first_name'], ['last_name']]);
    await batch.results;
    expect(batches).toEqual([
      [
        { user: messengerUser(ANN), fields: ['first_name'] },
        { user: messengerUser(ANN), fields: ['last_name'] },
      ],
    ]);
  });
});

describe('joinInflight', () => {
  it('asks alone for a joiner when the lookup it joined was refused for its own caller', async () => {
    const { cache, key } = setup();
    cache.inflight.add(key(ANN), {
      fields: new Set(['first_name']),
      result: Promise.resolve(overBudget(30)),
    });
    const { next, batches } = below();
    const { parts, missing } = joinInflight(cache, openBatch(next, {}), messengerUser(ANN), key(ANN), ['first_name', 'last_name']);
    expect(missing).toEqual(['last_name']);
    expect(await parts[0]!.result).toEqual({
      kind: 'profile',
      data: { first_name: 'Ann' },
    });
    expect(batches).toEqual([[{ user: messengerUser(ANN), fields: ['first_name'] }]]);
  });

  it('shares any other failure of the joined lookup as it is', async () => {
    const { cache, key } = setup();
    const throttled = rateLimited({ retryAfterSeconds: 60 });
    cache.inflight.add(key(ANN), {
      fields: new Set(['first_name']),
      result: Promise.resolve(throttled),
    });
    const { next, batches } = below();
    const { parts } = joinInflight(cache, openBatch(next, {}), messengerUser(ANN), key(ANN), ['first_name']);
    expect(await parts[0]!.result).toBe(throttled);
    expect(batches).toEqual([]);
  });
});

describe('updateEntry', () => {
  it('merges into what another instance wrote meanwhile instead of overwriting it', async () => {
    const { cache, store, key } = setup();
    store.beforeSwap = () =>
      store.inner.swap(key(ANN), undefined, encodeEntry(entryOf({ last_name: { at: T0, value: 'Lee' } })), 60).then(() => {});
    await updateEntry(cache, key(ANN), (entry) => withFields(entry, new Map([['first_name', { at: T0, value: 'Ann' }]])), undefined);
    expect(await stored(cache, key(ANN))).toEqual(
      entryOf({
        last_name: { at: T0, value: 'Lee' },
        first_name: { at: T0, value: 'Ann' },
      }),
    );
    expect(store.swaps).toHaveLength(2);
    expect(cache.writes.size).toBe(0);
  });

  it("runs updates of one key one after the other within the instance, each on the last one's result", async () => {
    const { cache, store, key } = setup();
    const first = updateEntry(cache, key(ANN), withRefresh, undefined);
    const second = updateEntry(cache, key(ANN), withRefresh, undefined);
    expect(cache.writes.get(key(ANN))).toBe(second);
    await Promise.all([first, second]);
    expect((await stored(cache, key(ANN)))?.generation).toBe(2);
    // The second guessed "nothing", was told the first's write, and swapped on it.
    expect(store.swaps.map((s) => s.expected === undefined)).toEqual([true, true, false]);
  });

  it('writes nothing when the change leaves the entry as it is', async () => {
    const { cache, store, key } = setup();
    await updateEntry(cache, key(ANN), () => undefined, undefined);
    expect(store.swaps).toEqual([]);
  });
});

describe('remember', () => {
  async function remembered(result: ProfileResult, fields: string[] = ['first_name'], raw?: string) {
    const { cache, store, key } = setup();
    if (raw !== undefined) await store.inner.swap(key(ANN), undefined, raw, 60);
    const own = {
      fields: new Set(fields),
      result: Promise.resolve(result),
    } as Plan['own'] & object;
    cache.inflight.add(key(ANN), own);
    const plan = { key: key(ANN), raw, entry: decodeEntry(raw) } as Plan;
    await remember(cache, plan, own, T0);
    expect(cache.inflight.cover(key(ANN), fields as never).joined).toEqual([]);
    return stored(cache, key(ANN));
  }

  it('stores the fields answered, dated by the fetch time below', async () => {
    const entry = await remembered({
      kind: 'profile',
      data: { first_name: 'Ann' },
      provenance: { source: 'graph-api', fetchedAt: T0 - 7 },
    });
    expect(entry).toEqual({
      fields: { first_name: { at: T0 - 7, value: 'Ann', generation: 0 } },
    });
  });

  it('stores nothing for an error, and "no profile" for an empty answer', async () => {
    expect(await remembered(upstreamUnavailable('down'))).toBeUndefined();
    expect(await remembered({ kind: 'profile', data: {} })).toEqual({
      fields: {},
      none: { at: T0 },
    });
  });

  it('takes an empty answer as a missing field when the user is known to have a fresh profile', async () => {
    const raw = encodeEntry(entryOf({ last_name: { at: T0, value: 'Lee' } }));
    expect(await remembered({ kind: 'profile', data: {} }, ['gender'], raw)).toEqual({
      fields: {
        last_name: { at: T0, value: 'Lee' },
        gender: { at: T0, generation: 0 },
      },
    });
  });
});

describe('assembleAnswer', () => {
  const plan = (over: Partial<Plan>): Plan => ({
    request: { user: messengerUser(ANN), fields: ['first_name', 'last_name'] },
    key: 'k',
    raw: undefined,
    entry: undefined,
    none: false,
    cached: new Map(),
    parts: [],
    ...over,
  });

  it('puts cached and fetched fields together, with the oldest provenance', async () => {
    const { cache } = setup();
    const answer = await assembleAnswer(
      cache,
      plan({
        cached: new Map([['first_name', { at: T0 - 2_000, value: 'Ann' }]]),
        parts: [
          {
            fields: ['last_name'],
            result: Promise.resolve({
              kind: 'profile',
              data: { last_name: 'Lee' },
              provenance: { source: 'graph-api', fetchedAt: T0 },
            }),
          },
        ],
      }),
    );
    expect(answer).toEqual({
      kind: 'profile',
      data: { first_name: 'Ann', last_name: 'Lee' },
      provenance: { source: 'cache', fetchedAt: T0 - 2_000 },
    });
  });

  it('stands stale values in for fields a throttled lookup could not fetch, marked with their age', async () => {
    const { cache, clock } = setup();
    clock.now = T0 + 30_000;
    const entry = entryOf({ last_name: { at: T0, value: 'Lee' } });
    const answer = await assembleAnswer(
      cache,
      plan({
        entry,
        parts: [{ fields: ['last_name'], result: Promise.resolve(rateLimited()) }],
      }),
    );
    expect(answer).toEqual({
      kind: 'profile',
      data: { last_name: 'Lee' },
      provenance: { source: 'stale-cache', fetchedAt: T0 },
      stale: { ageSeconds: 30 },
    });
  });

  it('answers the failure itself when nothing stale stands in, as without a cache', async () => {
    const { cache } = setup();
    const down = upstreamUnavailable('down');
    expect(
      await assembleAnswer(
        cache,
        plan({
          parts: [{ fields: ['last_name'], result: Promise.resolve(down) }],
        }),
      ),
    ).toBe(down);
  });

  it('names each outcome for metrics', () => {
    const fetched = {
      fields: ['last_name'] as const,
      result: Promise.resolve({ kind: 'none' } as ProfileResult),
    };
    const data: ProfileResult = { kind: 'profile', data: {} };
    const own = {
      fields: new Set(['last_name'] as const),
      result: fetched.result,
    };
    expect(outcomeOf(plan({}), data)).toBe('hit');
    expect(outcomeOf(plan({ parts: [fetched] }), data)).toBe('coalesced');
    expect(outcomeOf(plan({ parts: [fetched], own }), data)).toBe('miss');
    expect(
      outcomeOf(
        plan({
          parts: [fetched],
          own,
          cached: new Map([['first_name', { at: T0 }]]),
        }),
        data,
      ),
    ).toBe('partial');
  });
});

describe('lookupProfiles', () => {
  it('asks below once for what it lacks, stores it, and answers the next lookup from the store', async () => {
    const { cache } = setup();
    const { next, batches } = below();
    const seen: string[] = [];
    const observe = (outcome: string) => void seen.push(outcome);
    const request = { user: messengerUser(ANN), fields: ['first_name'] } as const;
    expect((await lookupProfiles(cache, observe, [request], {}, next)).results).toEqual([{ kind: 'profile', data: { first_name: 'Ann' } }]);
    await Promise.all(cache.writes.values());
    expect((await lookupProfiles(cache, observe, [request], {}, next)).results).toEqual([
      {
        kind: 'profile',
        data: { first_name: 'Ann' },
        provenance: { source: 'cache', fetchedAt: T0 },
      },
    ]);
    expect(batches).toHaveLength(1);
    expect(seen).toEqual(['miss', 'hit']);
  });
});
