import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deadline } from '../../../src/chain/layers/deadline.js';
import { fakeNext, gate, profile, request } from './fake.js';

const TIMEOUT_MS = 5_000;

describe('deadline layer', () => {
  // The deadline is a timer (not the injected clock): the test moves the timers instead.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('passes down a signal that aborts with a TimeoutError when the deadline passes, keeping the rest of the call', async () => {
    const held = gate();
    const { next, seen } = fakeNext(async (requests) => {
      await held.promise;
      return { results: requests.map(() => profile()) };
    });
    const caller = { name: 'console', priority: 'interactive' as const };
    const answer = deadline(TIMEOUT_MS)(next)([request(1)], { caller });
    const { signal, caller: passed } = seen[0]!.call;
    expect(passed).toBe(caller);
    vi.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(signal?.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ name: 'TimeoutError' });
    held.release();
    expect((await answer).results).toEqual([profile()]);
  });

  it('clears its timer as soon as the lookup is answered, or fails', async () => {
    const { next, seen } = fakeNext();
    await deadline(TIMEOUT_MS)(next)([request(1)], {});
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(TIMEOUT_MS);
    expect(seen[0]!.call.signal?.aborted).toBe(false);

    const failing = fakeNext(() => Promise.reject(new Error('boom')));
    await expect(deadline(TIMEOUT_MS)(failing.next)([request(1)], {})).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives each lookup its own signal', async () => {
    const { next, seen } = fakeNext();
    const lookup = deadline(TIMEOUT_MS)(next);
    await lookup([request(1)], {});
    await lookup([request(2)], {});
    expect(seen[0]!.call.signal).not.toBe(seen[1]!.call.signal);
  });
});
