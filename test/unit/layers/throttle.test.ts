import { describe, expect, it } from 'vitest';
import { throttled } from '../../../src/chain/layers/throttle.js';
import type { ProfileRequest } from '../../../src/core/lookup.js';
import { classifyGraphError } from '../../../src/graph-api/classify.js';
import { Throttle } from '../../../src/pages/throttle.js';
import { answerAll, fakeNext, profile, request, testClock } from './fake.js';

const BACKOFF_MS = 60_000;
const rateLimitCode = () => classifyGraphError(400, { code: 4, message: 'Application request limit reached' }) as Error;

function layered(answer: Parameters<typeof fakeNext>[0]) {
  const clock = testClock();
  const throttle = new Throttle({ defaultBackoffMs: BACKOFF_MS, usageProbeMs: 5_000 }, clock.now);
  const { next, seen } = fakeNext(answer);
  return { lookup: throttled(throttle)(next), seen, clock, throttle };
}

describe('throttle layer', () => {
  it('after a rate-limit code, tells when to come back and passes nothing down until then on the clock', async () => {
    let limited = true;
    const { lookup, seen, clock } = layered((requests: readonly ProfileRequest[]) =>
      limited ? { results: [rateLimitCode(), ...requests.slice(1).map(() => profile())] } : answerAll(requests),
    );
    const first = await lookup([request(1), request(2)], {});
    expect(first.results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 60 } });
    expect(first.results[1]).toEqual(profile());

    clock.advance(BACKOFF_MS - 1_000);
    const refused = await lookup([request(3)], {});
    expect(refused.results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
    expect(seen).toHaveLength(1);

    clock.advance(1_000);
    limited = false;
    expect((await lookup([request(3)], {})).results).toEqual([profile()]);
    expect(seen.map((s) => s.requests)).toEqual([[request(1), request(2)], [request(3)]]);
  });

  it('reads the usage headers of every answer: at 100 % without a refusal it lets one lookup through per usage probe interval', async () => {
    const { lookup, seen, throttle, clock } = layered((requests) => ({
      ...answerAll(requests),
      headers: { 'x-app-usage': JSON.stringify({ call_count: 100, total_cputime: 1, total_time: 1 }) },
    }));
    const answered = await lookup([request(1)], {});
    expect(answered.results).toEqual([profile()]);
    expect(throttle.latest).toMatchObject({ app: { call_count: 100 } });
    expect((await lookup([request(2)], {})).results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5 } });
    expect(seen).toHaveLength(1);
    // The window rolls: one lookup an interval later brings a fresh figure, not a blind minute.
    clock.advance(5_000);
    expect((await lookup([request(3)], {})).results).toEqual([profile()]);
    expect(seen).toHaveLength(2);
  });

  it('passes every lookup down while the Page is not throttled', async () => {
    const { lookup, seen } = layered(answerAll);
    await lookup([request(1)], {});
    await lookup([request(2)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1)], [request(2)]]);
  });
});
