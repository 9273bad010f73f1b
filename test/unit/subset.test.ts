import { describe, expect, it } from 'vitest';
import { fieldUnavailable, permissionRequired } from '../../src/core/errors.js';
import { fieldFacts } from '../../src/core/fields.js';
import { messengerUser, parsePsid, type Psid } from '../../src/core/ids.js';
import { askSubset, placeSubset, type Lookup, type ProfileRequest, type ProfileResult } from '../../src/core/lookup.js';

const psid = (n: number) => parsePsid(`700000000000000${n}`) as Psid;

describe('askSubset / placeSubset', () => {
  it('asks only the requests at the indexes, and puts each answer back at its own index', async () => {
    const requests: ProfileRequest[] = [1, 2, 3, 4].map((n) => ({ user: messengerUser(psid(n)), fields: ['first_name'] }));
    const asked: string[][] = [];
    const next: Lookup = async (subset, call) => {
      asked.push(subset.map((r) => r.user.id));
      return { results: subset.map((r) => ({ kind: 'profile', data: { id: r.user.id, first_name: String(call.attempt) } })) };
    };
    const results: ProfileResult[] = requests.map(() => ({ kind: 'none' }));
    const answer = await askSubset(next, requests, [3, 1], { attempt: 2 });
    placeSubset(results, [3, 1], answer.results);
    expect(asked).toEqual([[psid(4), psid(2)]]);
    expect(results).toEqual([
      { kind: 'none' },
      { kind: 'profile', data: { id: psid(2), first_name: '2' } },
      { kind: 'none' },
      { kind: 'profile', data: { id: psid(4), first_name: '2' } },
    ]);
  });
});

describe('field errors made from the catalog', () => {
  it('name the schema field, the permission and the version', () => {
    expect(permissionRequired(fieldFacts('gender'))).toMatchObject({
      message: "gender needs pages_user_gender, which the Page's app does not have.",
      extensions: { code: 'PERMISSION_REQUIRED', field: 'gender', permission: 'pages_user_gender' },
    });
    expect(fieldUnavailable(fieldFacts('is_payment_enabled'), 'v19.0')).toMatchObject({
      message: 'isPaymentEnabled is not available on Graph API v19.0: is_payment_enabled was removed in v3.2.',
      extensions: { code: 'FIELD_UNAVAILABLE', field: 'isPaymentEnabled', graphApiVersion: 'v19.0' },
    });
    expect(fieldUnavailable(fieldFacts('gender'), 'v2.0').message).toBe('gender is not available on Graph API v2.0.');
  });
});
