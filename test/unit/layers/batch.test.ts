import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, sendBatch } from '../../../src/chain/layers/batch.js';
import { messengerUser, parsePsid, type Psid } from '../../../src/core/ids.js';
import type { ProfileRequest } from '../../../src/core/lookup.js';
import { GraphClient } from '../../../src/graph-api/client.js';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS } from '../../../src/demo/emulator/data.js';
import { GraphEmulator } from '../../../src/demo/emulator/server.js';
import { fakeNext, profile, request } from './fake.js';

/** Answers each request with its own PSID, so the test sees which answer went where. */
const echo = (requests: readonly ProfileRequest[]) => ({ results: requests.map((r) => profile({ id: r.user.id })) });

describe('batches layer', () => {
  it('passes up to 50 sub-requests down at a time, in order, and puts each answer back in its place', async () => {
    const { next, seen } = fakeNext(echo);
    const requests = Array.from({ length: 120 }, (_, i) => request(i));
    const answer = await batches()(next)(requests, {});
    expect(seen.map((s) => s.requests.length)).toEqual([50, 50, 20]);
    expect(seen.flatMap((s) => s.requests)).toEqual(requests);
    expect(answer.results).toEqual(requests.map((r) => profile({ id: r.user.id })));
  });

  it('answers a request with no fields left with an empty profile and never sends it', async () => {
    const { next, seen } = fakeNext(echo);
    const answer = await batches()(next)([request(1), request(2, []), request(3)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1), request(3)]]);
    expect(answer.results).toEqual([profile({ id: request(1).user.id }), { kind: 'profile', data: {} }, profile({ id: request(3).user.id })]);
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

describe('sendBatch: the innermost lookup, against the emulator', () => {
  let emulator: GraphEmulator;
  let client: GraphClient;
  beforeAll(async () => {
    emulator = await GraphEmulator.start();
    client = new GraphClient({
      baseUrl: emulator.url,
      version: 'v23.0',
      accessToken: DEMO_PAGE_TOKEN,
      timeoutMs: 5_000,
      maxResponseBytes: 1 << 20,
      connections: 1,
    });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  const demo = (name: keyof typeof DEMO_PSIDS) => parsePsid(DEMO_PSIDS[name]) as Psid;

  it('sends one batch POST, one sub-request per request, charges it, and answers one result each, in order', async () => {
    emulator.reset();
    const charged: number[] = [];
    const answer = await sendBatch(client)(
      [
        { user: messengerUser(demo('peter')), fields: ['first_name', 'last_name'] },
        { user: messengerUser(demo('phoneOnly')), fields: ['first_name'] },
        { user: messengerUser(demo('deleted')), fields: ['first_name'] },
      ],
      { charge: (n) => charged.push(n) },
    );
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.subRequests.map((s) => [s.id, s.fields])).toEqual([
      [DEMO_PSIDS.peter, ['first_name', 'last_name']],
      [DEMO_PSIDS.phoneOnly, ['first_name']],
      [DEMO_PSIDS.deleted, ['first_name']],
    ]);
    expect(charged).toEqual([3]);
    expect(answer.status).toBe(200);
    expect(answer.results[0]).toEqual({ kind: 'profile', data: expect.objectContaining({ first_name: 'Peter', last_name: 'Chang' }) });
    expect(answer.results[1]).toEqual({ kind: 'none' });
    expect(answer.results[2]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('answers UPSTREAM_UNAVAILABLE for an entry that came back null, and for every request of a failed exchange', async () => {
    emulator.reset();
    emulator.injectFault({ nullEntries: [DEMO_PSIDS.peter] });
    const nulled = await sendBatch(client)([{ user: messengerUser(demo('peter')), fields: ['first_name'] }, { user: messengerUser(demo('fractional')), fields: ['first_name'] }], {});
    expect(nulled.results[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(nulled.results[1]).toMatchObject({ kind: 'profile' });
    expect(nulled.failure).toBeUndefined();

    emulator.injectFault({ status: 503, rawBody: '<html>down</html>' });
    const failed = await sendBatch(client)([{ user: messengerUser(demo('peter')), fields: ['first_name'] }, { user: messengerUser(demo('fractional')), fields: ['first_name'] }], {});
    expect(failed.failure).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(failed.results).toEqual([failed.failure, failed.failure]);
  });
});
