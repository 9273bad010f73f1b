import { describe, expect, it } from 'vitest';
import { codesByPath, DEMO_PSIDS, useStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;

describe('selection set → Graph fields', () => {
  const stack = useStack();

  it('answers the headline query with one batch request carrying exactly the selected fields', async () => {
    const res = await stack.query(`{ user(psid: "${PETER}") { profile { firstName timezone lastAdReferral { source type adId } } } }`);
    expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter', timezone: -7, lastAdReferral: null } } });
    // last_ad_referral is gone since v3.2: never sent, reported at its own path.
    expect(codesByPath(res)).toEqual({ 'user.profile.lastAdReferral': 'FIELD_UNAVAILABLE' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ graphApiVersion: 'v25.0' });
    expect(res.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
    expect(stack.emulator.requests).toHaveLength(1);
    expect(stack.emulator.subRequests.map((s) => s.relativeUrl)).toEqual([`${PETER}?fields=first_name,timezone`]);
  });

  it('maps every field name', async () => {
    const res = await stack.query(`{ user(psid: "${PETER}") { profile { firstName lastName name profilePic locale timezone gender } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.user.profile).toMatchObject({
      firstName: 'Peter',
      lastName: 'Chang',
      name: 'Peter Chang',
      locale: 'en_US',
      timezone: -7,
      gender: 'male',
    });
    expect(res.body.data?.user.profile.profilePic).toMatch(/^https:\/\/platform-lookaside\.fbsbx\.com\//);
    expect(stack.emulator.subRequests[0]?.fields).toEqual(['first_name', 'last_name', 'name', 'profile_pic', 'locale', 'timezone', 'gender']);
  });

  it('returns fractional timezones as floats', async () => {
    const res = await stack.query(`{ user(psid: "${DEMO_PSIDS.fractional}") { profile { timezone } } }`);
    expect(res.body.data?.user.profile.timezone).toBe(5.5);
  });

  it('honours aliases, named and inline fragments', async () => {
    const res = await stack.query(`
      query { user(psid: "${PETER}") { profile { given: firstName ...Place ... on MessengerProfile { g: gender } } } }
      fragment Place on MessengerProfile { locale tz: timezone }`);
    expect(res.body.data?.user.profile).toEqual({ given: 'Peter', locale: 'en_US', tz: -7, g: 'male' });
    expect(new Set(stack.emulator.subRequests[0]?.fields)).toEqual(new Set(['first_name', 'locale', 'timezone', 'gender']));
    expect(stack.emulator.subRequests[0]?.fields).toHaveLength(4);
  });

  it('honours @include and @skip with variables', async () => {
    const res = await stack.query(
      `query($withName: Boolean!, $noTz: Boolean!) { user(psid: "${PETER}") { profile {
          firstName @include(if: $withName) lastName @skip(if: $withName)
          ... @include(if: $withName) { locale } timezone @skip(if: $noTz) } } }`,
      { withName: false, noTz: true },
    );
    expect(res.body.data?.user.profile).toEqual({ lastName: 'Chang' });
    expect(stack.emulator.subRequests[0]?.fields).toEqual(['last_name']);
  });

  it('makes no upstream request when only psid or __typename is selected', async () => {
    const res = await stack.query(`{ a: user(psid: "${PETER}") { psid __typename } b: users(psids: ["1", "2"]) { psid } }`);
    expect(res.body.data).toEqual({ a: { psid: PETER, __typename: 'MessengerUser' }, b: [{ psid: '1' }, { psid: '2' }] });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('makes no upstream request when only removed fields are selected', async () => {
    const res = await stack.query(`{ user(psid: "${PETER}") { profile { isPaymentEnabled lastAdReferral { adId } } } }`);
    expect(codesByPath(res)).toEqual({
      'user.profile.isPaymentEnabled': 'FIELD_UNAVAILABLE',
      'user.profile.lastAdReferral': 'FIELD_UNAVAILABLE',
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });
});

describe('Graph API versions before v3.2', () => {
  const stack = useStack({ emulator: { honorExpiredVersions: true }, env: { GRAPH_API_VERSION: 'v2.6' } });

  it('requests last_ad_referral and is_payment_enabled and maps their shapes', async () => {
    const res = await stack.query(`{ user(psid: "${PETER}") { profile { isPaymentEnabled lastAdReferral { source type adId } } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.user.profile).toEqual({
      isPaymentEnabled: true,
      lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' },
    });
    expect(stack.emulator.requests[0]?.url).toBe('/v2.6/');
    expect(stack.emulator.subRequests[0]?.fields).toEqual(['is_payment_enabled', 'last_ad_referral']);
  });
});
