import { describe, expect, it } from 'vitest';
import { failFast as breakerLayer } from '../../../src/chain/layers/breaker.js';
import { classifyGraphError } from '../../../src/graph-api/classify.js';
import { upstreamUnavailable } from '../../../src/core/errors.js';
import { Breaker } from '../../../src/pages/breaker.js';
import { answerAll, fakeNext, profile, request, settle } from './fake.js';

const THRESHOLD = 3;
const COOLDOWN = 10_000;

function make() {
  let t = 0;
  const breaker = new Breaker({ threshold: THRESHOLD, cooldownMs: COOLDOWN }, () => t);
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) breaker.record(true, 'call');
  };
  return { breaker, fail, advance: (ms: number) => (t += ms) };
}

describe('Breaker: closed → open', () => {
  it.each([
    [THRESHOLD - 1, 'closed'],
    [THRESHOLD, 'open'],
    [THRESHOLD + 2, 'open'],
  ])('after %i consecutive failures it is %s', async (failures, state) => {
    const { breaker, fail } = make();
    fail(failures);
    expect(breaker.state).toBe(state);
    expect(await breaker.admit()).toBe(state === 'closed' ? 'call' : false);
  });

  it('a success resets the count: failures must be consecutive', () => {
    const { breaker, fail } = make();
    fail(THRESHOLD - 1);
    breaker.record(false, 'call');
    fail(THRESHOLD - 1);
    expect(breaker.state).toBe('closed');
    fail(1);
    expect(breaker.state).toBe('open');
  });

  it('a late success of a call begun before opening does not close it', () => {
    const { breaker, fail } = make();
    fail(THRESHOLD);
    breaker.record(false, 'call');
    expect(breaker.state).toBe('open');
  });
});

describe('Breaker: cool-down and probe', () => {
  it('fails fast until the cool-down has passed, then admits one probe', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN - 1);
    expect(await breaker.admit()).toBe(false);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(await breaker.admit()).toBe('probe');
    expect(breaker.state).toBe('half-open');
  });

  it('a successful probe closes the circuit and releases the waiters with "call"', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN);
    expect(await breaker.admit()).toBe('probe');
    let settled = 0;
    const waiters = [breaker.admit(), breaker.admit()].map((p) => p.finally(() => settled++));
    // The waiters must not settle before the probe has decided, however long it takes.
    advance(COOLDOWN * 10);
    await settle();
    expect(settled).toBe(0);
    breaker.record(false, 'probe');
    expect(await Promise.all(waiters)).toEqual(['call', 'call']);
    expect(breaker.state).toBe('closed');
    // The failure count started over: it takes a full threshold to open again.
    fail(THRESHOLD - 1);
    expect(breaker.state).toBe('closed');
  });

  it('a failed probe reopens it for a new cool-down and turns the waiters away', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN);
    expect(await breaker.admit()).toBe('probe');
    const waiter = breaker.admit();
    advance(5_000);
    breaker.record(true, 'probe');
    expect(await waiter).toBe(false);
    expect(breaker.state).toBe('open');
    // The cool-down runs from the probe's failure, not the first opening.
    advance(COOLDOWN - 1);
    expect(await breaker.admit()).toBe(false);
    advance(1);
    expect(await breaker.admit()).toBe('probe');
  });

  it('admits "call" freely while closed', async () => {
    const { breaker } = make();
    expect(await Promise.all([breaker.admit(), breaker.admit(), breaker.admit()])).toEqual(['call', 'call', 'call']);
    expect(breaker.state).toBe('closed');
  });
});

describe('breaker layer', () => {
  const outage = (requests: readonly unknown[]) => ({ results: requests.map(() => upstreamUnavailable('HTTP 503')) });

  function layered(answer: Parameters<typeof fakeNext>[0]) {
    const { breaker, advance } = make();
    const { next, seen } = fakeNext(answer);
    return { lookup: breakerLayer(breaker)(next), seen, breaker, advance };
  }

  it('passes a lookup down unchanged while closed and answers what came up', async () => {
    const { lookup, seen } = layered(answerAll);
    const call = { attempt: 0 };
    const answer = await lookup([request(1), request(2)], call);
    expect(seen).toEqual([{ requests: [request(1), request(2)], call }]);
    expect(answer.results).toEqual([profile(), profile()]);
  });

  it('after THRESHOLD outages it answers UPSTREAM_UNAVAILABLE, final, without passing down', async () => {
    const { lookup, seen, breaker } = layered(outage);
    for (let i = 0; i < THRESHOLD; i++) await lookup([request(1)], {});
    expect(breaker.state).toBe('open');
    const answer = await lookup([request(1), request(2)], {});
    expect(seen).toHaveLength(THRESHOLD);
    expect(answer.final).toBe(true);
    expect(answer.results).toHaveLength(2);
    for (const result of answer.results) expect(result).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('counts an exchange that failed as a whole, and one that threw, as outages', async () => {
    let n = 0;
    const { lookup, breaker } = layered((requests) => {
      if (n++ === 0) return { results: requests.map(() => upstreamUnavailable('reset')), failure: upstreamUnavailable('reset') };
      throw new Error('boom');
    });
    await lookup([request(1)], {});
    await expect(lookup([request(1)], {})).rejects.toThrow('boom');
    await expect(lookup([request(1)], {})).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
  });

  it('does not count answers that are not outages: a rate limit, a partial failure', async () => {
    let n = 0;
    const { lookup, breaker } = layered((requests) =>
      n++ % 2 === 0
        ? { results: requests.map(() => classifyGraphError(400, { code: 4 }) as Error) }
        : { results: [upstreamUnavailable('one entry'), ...requests.slice(1).map(() => profile())] },
    );
    for (let i = 0; i < THRESHOLD * 2; i++) await lookup([request(1), request(2)], {});
    expect(breaker.state).toBe('closed');
  });

  it('once the cool-down has passed on the clock, one probe goes down; its success closes the circuit', async () => {
    let failing = true;
    const { lookup, seen, breaker, advance } = layered((requests) => (failing ? outage(requests) : answerAll(requests)));
    for (let i = 0; i < THRESHOLD; i++) await lookup([request(1)], {});
    advance(COOLDOWN - 1);
    await lookup([request(1)], {});
    expect(seen).toHaveLength(THRESHOLD);
    advance(1);
    failing = false;
    expect((await lookup([request(3)], {})).results).toEqual([profile()]);
    expect(seen.map((s) => s.requests)).toEqual([...Array.from({ length: THRESHOLD }, () => [request(1)]), [request(3)]]);
    expect(breaker.state).toBe('closed');
  });
});
