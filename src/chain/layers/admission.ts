import { upstreamUnavailable } from '../../core/errors.js';
import type { LookupLayer } from '../../core/lookup.js';
import { MAX_BATCH_SIZE } from '../../graph-api/client.js';
import type { UpstreamQueue } from '../../pages/upstream-queue.js';

/**
 * Refuses at once, with UPSTREAM_UNAVAILABLE and `retryAfterSeconds`, a lookup whose batch calls
 * could not be answered within the deadline given the Page's queue and how fast it drains: queued
 * work would only time out later, holding memory meanwhile. Bulk callers are refused first, once
 * the expected wait passes half the deadline. No budget is charged for a refused lookup.
 */
export function admission(queue: UpstreamQueue, deadlineMs: number): LookupLayer {
  return (next) => (requests, call) => {
    const limit = call.caller?.priority === 'bulk' ? deadlineMs / 2 : deadlineMs;
    const expected = queue.expectedMs(Math.ceil(requests.length / MAX_BATCH_SIZE));
    if (expected <= limit) return next(requests, call);
    const refused = upstreamUnavailable('The Page has more Graph API calls queued than can be answered within the deadline').with({
      retryAfterSeconds: Math.max(1, Math.ceil(expected / 1000)),
    });
    return Promise.resolve({ results: requests.map(() => refused) });
  };
}
