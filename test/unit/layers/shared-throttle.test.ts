import { describe, expect, it } from 'vitest';
import { sharedThrottle } from '../../../src/chain/layers/shared-throttle.js';
import type { SharedThrottle } from '../../../src/pages/shared-throttle.js';
import { fakeNext, gate, profile, request, settle } from './fake.js';

/**
 * The Page's shared throttle as the layer sees it: a read that may be under way, and a write of
 * what was learnt. Its Redis side (one read a second, the atomic write) is tested against a real
 * redis-server in test/redis-callers.test.ts and test/resilience.test.ts.
 */
function sharedState(reading: () => Promise<void> | undefined) {
  const events: string[] = [];
  const shared = {
    refresh: () => {
      events.push('refresh');
      return reading();
    },
    publish: async () => void events.push('publish'),
  } satisfies Pick<SharedThrottle, 'refresh' | 'publish'>;
  return { shared: shared as unknown as SharedThrottle, events };
}

describe('shared-throttle layer', () => {
  it('waits for a read under way before passing the lookup down, then publishes what was learnt', async () => {
    const read = gate();
    const { shared, events } = sharedState(() => read.promise);
    const { next, seen } = fakeNext((requests) => {
      events.push('next');
      return { results: requests.map(() => profile()) };
    });
    const answer = sharedThrottle(shared)(next)([request(1)], {});
    await settle();
    expect(seen).toHaveLength(0);
    read.release();
    expect((await answer).results).toEqual([profile()]);
    expect(events).toEqual(['refresh', 'next', 'publish']);
  });

  it('passes the lookup down at once when no read is due', async () => {
    const { shared, events } = sharedState(() => undefined);
    const { next, seen } = fakeNext();
    await sharedThrottle(shared)(next)([request(1)], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1)]]);
    expect(events).toEqual(['refresh', 'publish']);
  });
});
