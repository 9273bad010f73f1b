import { describe, expect, it } from 'vitest';
import { retries } from '../../../src/chain/layers/retry.js';
import { upstreamUnavailable } from '../../../src/core/errors.js';
import type { Answer, ProfileRequest, ProfileResult } from '../../../src/core/lookup.js';
import { classifyGraphError } from '../../../src/graph-api/classify.js';
import { fakeNext, gate, profile, psid, request, settle } from './fake.js';

// No back-off delay: what is under test is what is asked again, not how long it waits.
const layer = (n: number) => retries({ retries: n, baseMs: 0, capMs: 0 });
const transient = () => upstreamUnavailable('HTTP 503');

/** Answers from a script, one list of results per call; each result for the request at that position. */
const scripted = (script: ((r: ProfileRequest) => ProfileResult)[]) => (requests: readonly ProfileRequest[], nth: number) =>
  ({ results: requests.map(script[nth] ?? (() => profile())) }) satisfies Answer;
const failFor = (...users: number[]) => (r: ProfileRequest) => (users.some((n) => psid(n) === r.user.id) ? transient() : profile());

describe('retry layer', () => {
  it('asks again for the transient failures only, numbering each attempt, and puts each answer in its place', async () => {
    const { next, seen } = fakeNext(scripted([failFor(2, 3), failFor(3)]));
    const answer = await layer(2)(next)([request(1), request(2), request(3)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1), request(2), request(3)], [request(2), request(3)], [request(3)]]);
    expect(seen.map((s) => s.call.attempt)).toEqual([undefined, 1, 2]);
    expect(answer.results).toEqual([profile(), profile(), profile()]);
  });

  it('stops after `retries` retries: a user still failing gets its last failure', async () => {
    const { next, seen } = fakeNext(scripted([failFor(1), failFor(1), failFor(1), failFor(1)]));
    const answer = await layer(2)(next)([request(1), request(2)], {});
    expect(seen).toHaveLength(3);
    expect(answer.results[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'HTTP 503' } });
    expect(answer.results[1]).toEqual(profile());
  });

  it('does not ask again for failures asking again cannot cure', async () => {
    const failures = [classifyGraphError(400, { code: 4 }) as Error, { kind: 'none' } as const];
    const { next, seen } = fakeNext(() => ({ results: failures }));
    expect((await layer(3)(next)([request(1), request(2)], {})).results).toEqual(failures);
    expect(seen).toHaveLength(1);
  });

  it('does not ask again after a final answer (an open breaker), nor with retries off', async () => {
    const final = fakeNext((requests) => ({ results: requests.map(transient), final: true }));
    await layer(3)(final.next)([request(1)], {});
    expect(final.seen).toHaveLength(1);
    const off = fakeNext((requests) => ({ results: requests.map(transient) }));
    await layer(0)(off.next)([request(1)], {});
    expect(off.seen).toHaveLength(1);
  });

  it('passes nothing down once the deadline has passed', async () => {
    const { next, seen } = fakeNext();
    const answer = await layer(2)(next)([request(1)], { signal: AbortSignal.abort() });
    expect(seen).toHaveLength(0);
    expect(answer.results[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'Deadline reached before the Graph API answered' } });
  });

  it('answers at the deadline with what it has; an attempt settling later changes nothing', async () => {
    const held = gate();
    const { next, seen } = fakeNext(async (requests, nth) => {
      if (nth === 0) return { results: requests.map(failFor(2)) };
      await held.promise;
      return { results: requests.map(() => profile({ first_name: 'late' })) };
    });
    const deadline = new AbortController();
    const answer = layer(2)(next)([request(1), request(2)], { signal: deadline.signal });
    while (seen.length < 2) await settle();
    deadline.abort();
    const { results } = await answer;
    expect(results[0]).toEqual(profile());
    // The user still pending keeps its last failure.
    expect(results[1]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'HTTP 503' } });
    held.release();
    await settle();
    expect(results[1]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', reason: 'HTTP 503' } });
    expect(seen).toHaveLength(2);
  });
});
