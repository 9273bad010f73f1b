import { describe, expect, it } from 'vitest';
import { batches } from '../../../src/chain/layers/batch.js';
import type { ProfileRequest } from '../../../src/core/lookup.js';
import { fakeNext, profile, request } from './fake.js';

/** Answers each request with its own PSID, so the test sees which answer went where. */
const echo = (requests: readonly ProfileRequest[]) => ({ results: requests.map((r) => profile({ id: r.psid })) });

describe('batches layer', () => {
  it('passes up to 50 sub-requests down at a time, in order, and puts each answer back in its place', async () => {
    const { next, seen } = fakeNext(echo);
    const requests = Array.from({ length: 120 }, (_, i) => request(i));
    const answer = await batches()(next)(requests, {});
    expect(seen.map((s) => s.requests.length)).toEqual([50, 50, 20]);
    expect(seen.flatMap((s) => s.requests)).toEqual(requests);
    expect(answer.results).toEqual(requests.map((r) => profile({ id: r.psid })));
  });

  it('answers a request with no fields left with an empty profile and never sends it', async () => {
    const { next, seen } = fakeNext(echo);
    const answer = await batches()(next)([request(1), request(2, []), request(3)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1), request(3)]]);
    expect(answer.results).toEqual([profile({ id: request(1).psid }), { kind: 'profile', data: {} }, profile({ id: request(3).psid })]);
  });

  it('passes nothing down when no request has a field', async () => {
    const { next, seen } = fakeNext(echo);
    expect((await batches()(next)([request(1, [])], {})).results).toEqual([{ kind: 'profile', data: {} }]);
    expect(seen).toEqual([]);
  });

  it('hands the same call to every batch', async () => {
    const { next, seen } = fakeNext(echo);
    const call = { caller: { name: 'crm', priority: 'bulk' as const } };
    await batches()(next)(
      Array.from({ length: 60 }, (_, i) => request(i)),
      call,
    );
    expect(seen.map((s) => s.call)).toEqual([call, call]);
  });
});
