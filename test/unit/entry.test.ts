import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  encodeEntry,
  freshField,
  isFreshNone,
  pictureExpiry,
  staleField,
  staleNoneAt,
  withFields,
  withNone,
  withRefresh,
  type CacheEntry,
  type CachedField,
  type CachePolicy,
} from '../../src/cache/entry.js';
import type { GraphField } from '../../src/core/fields.js';

// Distinct figures so a rule reading the wrong one fails.
const policy: CachePolicy = { ttlMs: 5_000, negativeTtlMs: 300, staleTtlMs: 60_000 };
const T0 = 1_700_000_000_000;
const entryWith = (field: GraphField, cached: CachedField, generation?: number): CacheEntry => ({
  fields: { [field]: cached },
  ...(generation === undefined ? {} : { generation }),
});
const pic = (extSeconds: number) => `https://cdn.example/p.jpg?ext=${extSeconds}&hash=abc`;

describe('freshField / staleField', () => {
  const entry = entryWith('first_name', { at: T0, value: 'Ann' });
  it.each([
    [0, true, true],
    [policy.ttlMs - 1, true, true],
    [policy.ttlMs, false, true],
    [policy.staleTtlMs - 1, false, true],
    [policy.staleTtlMs, false, false],
  ])('at +%i ms: fresh %s, stale-usable %s', (age, fresh, stale) => {
    expect(freshField(entry, 'first_name', T0 + age, policy) !== undefined).toBe(fresh);
    expect(staleField(entry, 'first_name', T0 + age, policy) !== undefined).toBe(stale);
  });

  it('a cached "absent" field is still a hit', () => {
    expect(freshField(entryWith('gender', { at: T0 }), 'gender', T0, policy)).toEqual({ at: T0 });
    expect(freshField(entryWith('gender', { at: T0 }), 'locale', T0, policy)).toBeUndefined();
  });
});

describe('profile_pic expiry', () => {
  // ext is whole Unix seconds: the URL dies 2 s after the fetch, well inside ttlMs.
  const expirySeconds = T0 / 1000 + 2;
  const entry = entryWith('profile_pic', { at: T0, value: pic(expirySeconds) });

  it.each<[string, unknown, number | undefined]>([
    ['ext in seconds', pic(1_700_000_123), 1_700_000_123_000],
    ['oe in hex seconds (fbcdn, Instagram)', 'https://scontent.cdninstagram.com/v/p.jpg?oh=00_A&oe=6650A1B2', 0x6650a1b2 * 1000],
    ['no ext', 'https://cdn.example/p.jpg', undefined],
    ['non-numeric ext', 'https://cdn.example/p.jpg?ext=soon', undefined],
    ['not a URL', 'p.jpg?ext=5', undefined],
    ['not a string', 5, undefined],
  ])('pictureExpiry: %s', (_label, value, expected) => {
    expect(pictureExpiry(value)).toBe(expected);
  });

  it('is served until, not at, its URL expiry even within the TTLs', () => {
    expect(freshField(entry, 'profile_pic', T0 + 1_999, policy)).toBeDefined();
    expect(staleField(entry, 'profile_pic', T0 + 1_999, policy)).toBeDefined();
    expect(freshField(entry, 'profile_pic', T0 + 2_000, policy)).toBeUndefined();
    expect(staleField(entry, 'profile_pic', T0 + 2_000, policy)).toBeUndefined();
  });

  it('the expiry rule is for pictures only', () => {
    const other = entryWith('name', { at: T0, value: pic(expirySeconds) });
    expect(freshField(other, 'name', T0 + 2_000, policy)).toBeDefined();
  });
});

describe('generations', () => {
  const before = entryWith('name', { at: T0, value: 'Ann' });
  const refreshed = withRefresh(before);

  it('a refresh makes older values not fresh but still stale-usable', () => {
    expect(refreshed.generation).toBe(1);
    expect(freshField(before, 'name', T0, policy)).toBeDefined();
    expect(freshField(refreshed, 'name', T0, policy)).toBeUndefined();
    expect(staleField(refreshed, 'name', T0, policy)).toBeDefined();
    expect(withRefresh(refreshed).generation).toBe(2);
  });

  it('a value fetched in the current generation is fresh again', () => {
    const after = withFields(refreshed, new Map([['name', { at: T0 + 1, value: 'Bo', generation: 1 }]]));
    expect(after.generation).toBe(1);
    expect(freshField(after, 'name', T0 + 1, policy)?.value).toBe('Bo');
  });

  it('"no profile" follows the same rule', () => {
    const none = withNone(undefined, T0, 0);
    expect(isFreshNone(none, T0 + policy.negativeTtlMs - 1, policy)).toBe(true);
    expect(isFreshNone(none, T0 + policy.negativeTtlMs, policy)).toBe(false);
    expect(isFreshNone(withRefresh(none), T0, policy)).toBe(false);
    expect(isFreshNone(withNone(withRefresh(none), T0 + 1, 1), T0 + 1, policy)).toBe(true);
    expect(staleNoneAt(withRefresh(none), T0 + policy.staleTtlMs - 1, policy)).toBe(T0);
    expect(staleNoneAt(none, T0 + policy.staleTtlMs, policy)).toBeUndefined();
    expect(staleNoneAt(before, T0, policy)).toBeUndefined();
  });
});

describe('merging', () => {
  it('withFields keeps the later `at` when lookups finish out of order', () => {
    const newer = withFields(undefined, new Map([['name', { at: T0 + 10, value: 'new' }]]));
    const merged = withFields(newer, new Map<GraphField, CachedField>([
      ['name', { at: T0, value: 'old' }],
      ['locale', { at: T0, value: 'en_US' }],
    ]));
    expect(merged.fields.name?.value).toBe('new');
    expect(merged.fields.locale?.value).toBe('en_US');
  });

  it('withFields ends "no profile" and keeps the generation', () => {
    const merged = withFields(withRefresh(withNone(undefined, T0, 0)), new Map([['name', { at: T0 + 1, value: 'A' }]]));
    expect(merged.none).toBeUndefined();
    expect(merged.generation).toBe(1);
  });

  it('withNone replaces fields, and an older "no profile" does not replace a newer one', () => {
    const none = withNone(entryWith('name', { at: T0, value: 'A' }), T0 + 5, 2);
    expect(none).toEqual({ fields: {}, none: { at: T0 + 5, generation: 2 } });
    expect(withNone(none, T0 + 1, 0)).toBe(none);
    expect(withNone(none, T0 + 9, 0).none).toEqual({ at: T0 + 9 });
  });
});

describe('merging lookups that finish out of order', () => {
  it('an older "no profile" does not wipe fields a later lookup brought', () => {
    const fields = withFields(undefined, new Map([['name', { at: T0 + 10, value: 'A' }]]));
    expect(withNone(fields, T0, 0)).toEqual(fields);
  });

  it('fields from a lookup begun before a "no profile" answer do not end it', () => {
    const none = withNone(undefined, T0 + 10, 0);
    expect(withFields(none, new Map([['name', { at: T0, value: 'A' }]]))).toEqual(none);
    // A later lookup's fields do.
    expect(withFields(none, new Map([['name', { at: T0 + 11, value: 'A' }]]))).toEqual({ fields: { name: { at: T0 + 11, value: 'A' } } });
  });

  it('within one clock tick, the value from the newer generation is kept', () => {
    const refreshed = withRefresh(withFields(undefined, new Map([['name', { at: T0, value: 'old' }]])));
    const fresh = withFields(refreshed, new Map([['name', { at: T0 + 5, value: 'new', generation: 1 }]]));
    const late = withFields(fresh, new Map([['name', { at: T0 + 5, value: 'old', generation: 0 }]]));
    expect(freshField(late, 'name', T0 + 5, policy)?.value).toBe('new');
  });

  it('a refresh of a user with nothing cached still outdates lookups begun before it', () => {
    const refreshed = withRefresh(undefined);
    expect(refreshed).toEqual({ fields: {}, generation: 1 });
    const late = withFields(refreshed, new Map([['name', { at: T0, value: 'A', generation: 0 }]]));
    expect(freshField(late, 'name', T0, policy)).toBeUndefined();
    expect(staleField(late, 'name', T0, policy)?.value).toBe('A');
  });
});

describe('decodeEntry', () => {
  it.each([
    ['undefined', undefined],
    ['not JSON', '{fields:'],
    ['an array', '[]'],
    ['no fields', '{}'],
    ['unknown field name', '{"fields":{"email":{"at":1}}}'],
    ['inherited name', '{"fields":{"constructor":{"at":1}}}'],
    ['string at', '{"fields":{"name":{"at":"1"}}}'],
    ['negative field generation', '{"fields":{"name":{"at":1,"generation":-1}}}'],
    ['fractional generation', '{"fields":{},"generation":1.5}'],
    ['none without at', '{"fields":{},"none":{}}'],
    ['none with bad generation', '{"fields":{},"none":{"at":1,"generation":"2"}}'],
  ])('rejects %s', (_label, raw) => {
    expect(decodeEntry(raw)).toBeUndefined();
  });

  it('accepts what encodeEntry wrote', () => {
    const entry: CacheEntry = { fields: { name: { at: T0, value: 'A', generation: 3 }, gender: { at: T0 } }, generation: 3 };
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    const none = withNone(undefined, T0, 1);
    expect(decodeEntry(encodeEntry(none))).toEqual(none);
  });
});
