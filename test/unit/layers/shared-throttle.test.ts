import { describe, expect, it } from 'vitest';
import { sharedThrottle } from '../../../src/chain/layers/shared-throttle.js';
import type { SharedThrottle } from '../../../src/pages/shared-throttle.js';
import { fakeNext, gate, profile, request } from './fake.js';

/**
 * The Page's shared throttle as the layer sees it: a read that may be under way, and a write of
 * what was learnt. Its Redis side (one read a second, the atomic write) is tested against a real
 * redis-server in test/redis-callers.test.ts and test/resilience.test.ts.
 */
function sharedState(reading: () => void) {
  const events: string[] = [];
  const shared = {
    refresh: () => {
      events.push('refresh');
      reading();
    },
    publish: () => void events.push('publish'),
  } satisfies Pick<SharedThrottle, 'refresh' | 'publish'>;
  return { shared: shared as unknown as SharedThrottle, events };
}

describe('shared-throttle layer', () => {
  it('never waits for Redis: a read under way does not delay the lookup, and what was learnt is published', async () => {
    const read = gate();
    const { shared, events } = sharedState(() => void read.promise);
    const { next, seen } = fakeNext((requests) => {
      events.push('next');
      return { results: requests.map(() => profile()) };
    });
    const answer = await sharedThrottle(shared)(next)([request(1)], {});
    expect(seen).toHaveLength(1);
    expect(answer.results).toEqual([profile()]);
    expect(events).toEqual(['refresh', 'next', 'publish']);
    read.release();
  });

  it('passes the lookup down at once when no read is due', async () => {
    const { shared, events } = sharedState(() => undefined);
    const { next, seen } = fakeNext();
    await sharedThrottle(shared)(next)([request(1)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1)]]);
    expect(events).toEqual(['refresh', 'publish']);
  });
});
