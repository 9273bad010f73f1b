import { describe, expect, it } from 'vitest';
import type { GraphField } from '../../src/core/fields.js';
import { instagramUser, messengerUser, parseIgsid, parsePsid, type UserRef } from '../../src/core/ids.js';
import type { Lookup, ProfileRequest } from '../../src/core/lookup.js';
import { ProfileLoader } from '../../src/profile/loader.js';

function psid(value: string): UserRef {
  const parsed = parsePsid(value);
  if (!parsed) throw new Error(`bad PSID ${value}`);
  return messengerUser(parsed);
}

/** A Lookup that records each call's requests and answers a profile carrying the PSID as id. */
function recording() {
  const calls: ProfileRequest[][] = [];
  const lookup: Lookup = async (requests) => {
    calls.push([...requests]);
    return { results: requests.map((r) => ({ kind: 'profile' as const, data: { id: r.user.id } })) };
  };
  // Field order inside a request is the loader's business: compare as sorted lists.
  const view = () => calls.map((call) => call.map((r) => ({ psid: r.user, fields: [...r.fields].sort() })));
  return { lookup, calls, view };
}

const fields = (...names: GraphField[]) => new Set(names);
const A = psid('1001');
const B = psid('1002');

describe('ProfileLoader batching', () => {
  it('joins loads of one PSID in one tick into one request with the union of fields', async () => {
    const { lookup, view } = recording();
    const loader = new ProfileLoader(lookup);
    const [one, two] = await Promise.all([loader.load(A, fields('first_name')), loader.load(A, fields('locale', 'first_name'))]);
    expect(view()).toEqual([[{ psid: A, fields: ['first_name', 'locale'] }]]);
    expect(one).toEqual({ kind: 'profile', data: { id: A.id } });
    expect(two).toBe(one);
  });

  it('puts different PSIDs in one call, each with its own fields, answered in place', async () => {
    const { lookup, view } = recording();
    const loader = new ProfileLoader(lookup);
    const [a, b] = await Promise.all([loader.load(A, fields('name')), loader.load(B, fields('gender'))]);
    expect(view()).toEqual([
      [
        { psid: A, fields: ['name'] },
        { psid: B, fields: ['gender'] },
      ],
    ]);
    expect([a, b]).toEqual([
      { kind: 'profile', data: { id: A.id } },
      { kind: 'profile', data: { id: B.id } },
    ]);
  });

  it.each([
    [50, [50]],
    [51, [50, 1]],
    [120, [50, 50, 20]],
  ])('splits %i PSIDs into calls of %j', async (count, sizes) => {
    const { lookup, calls } = recording();
    const loader = new ProfileLoader(lookup);
    const psids = Array.from({ length: count }, (_, i) => psid(String(2000 + i)));
    const results = await Promise.all(psids.map((p) => loader.load(p, fields('name'))));
    expect(calls.map((c) => c.length)).toEqual(sizes);
    expect(calls.flat().map((r) => r.user)).toEqual(psids);
    expect(results.map((r) => (r.kind === 'profile' ? r.data.id : undefined))).toEqual(psids.map((p) => p.id));
  });
});

describe('ProfileLoader after dispatch', () => {
  it('a later load asking for a subset reuses the first request', async () => {
    const { lookup, calls } = recording();
    const loader = new ProfileLoader(lookup);
    const first = await loader.load(A, fields('name', 'locale'));
    const again = await loader.load(A, fields('locale'));
    expect(calls).toHaveLength(1);
    expect(again).toBe(first);
  });

  it('a later load asking for a new field starts a new request carrying old and new fields', async () => {
    const { lookup, view } = recording();
    const loader = new ProfileLoader(lookup);
    await loader.load(A, fields('name'));
    await loader.load(A, fields('timezone'));
    expect(view()).toEqual([[{ psid: A, fields: ['name'] }], [{ psid: A, fields: ['name', 'timezone'] }]]);
    // The wider request now covers both: asking for either again is free.
    await loader.load(A, fields('name', 'timezone'));
    expect(view()).toHaveLength(2);
  });

  it('does so even while the first request is still in flight', async () => {
    const calls: ProfileRequest[][] = [];
    const releases: (() => void)[] = [];
    const lookup: Lookup = (requests) => {
      calls.push([...requests]);
      return new Promise((resolve) =>
        releases.push(() => resolve({ results: requests.map(() => ({ kind: 'none' as const })) })),
      );
    };
    const loader = new ProfileLoader(lookup);
    const first = loader.load(A, fields('name'));
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the first batch dispatch
    expect(calls).toHaveLength(1);
    const second = loader.load(A, fields('gender'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls.map((c) => c.map((r) => [...r.fields].sort()))).toEqual([[['name']], [['gender', 'name']]]);
    releases.forEach((release) => release());
    expect(await Promise.all([first, second])).toEqual([{ kind: 'none' }, { kind: 'none' }]);
  });

  it('another PSID in a later tick does not drag the first along', async () => {
    const { lookup, view } = recording();
    const loader = new ProfileLoader(lookup);
    await loader.load(A, fields('name'));
    await loader.load(B, fields('name'));
    expect(view()).toEqual([[{ psid: A, fields: ['name'] }], [{ psid: B, fields: ['name'] }]]);
  });
});

describe('ProfileLoader with Instagram users', () => {
  it('a PSID and an IGSID with the same digits are two users of one batch call', async () => {
    const { lookup, view } = recording();
    const loader = new ProfileLoader(lookup);
    const igsid = instagramUser(parseIgsid('1001')!);
    await Promise.all([loader.load(A, fields('name')), loader.load(igsid, fields('username'))]);
    expect(view()).toEqual([
      [
        { psid: A, fields: ['name'] },
        { psid: igsid, fields: ['username'] },
      ],
    ]);
  });
});
