import { describe, expect, it } from 'vitest';
import { fetchTime } from '../../../src/chain/layers/fetch-time.js';
import { upstreamUnavailable } from '../../../src/core/errors.js';
import { fakeNext, profile, request, testClock } from './fake.js';

describe('fetch-time layer', () => {
  it("stamps every outcome with the lookup's start on the clock, however long the answer took", async () => {
    const clock = testClock();
    const started = clock.now();
    const failure = upstreamUnavailable('HTTP 503');
    const { next, seen } = fakeNext(() => {
      clock.advance(4_000);
      return { results: [profile(), { kind: 'none' }, failure], headers: { 'x-app-usage': '{}' }, status: 200 };
    });
    const requests = [request(1), request(2), request(3)];
    const answer = await fetchTime(clock.now)(next)(requests, {});
    const provenance = { source: 'graph-api', fetchedAt: started };
    expect(seen.map((s) => s.requests)).toEqual([requests]);
    expect(answer).toEqual({
      results: [
        { ...profile(), provenance },
        { kind: 'none', provenance },
        failure,
      ],
      headers: { 'x-app-usage': '{}' },
      status: 200,
    });
    // A failure is passed up as it is: no provenance on an error.
    expect(answer.results[2]).toBe(failure);
  });
});
