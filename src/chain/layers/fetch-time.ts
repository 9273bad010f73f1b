import type { Clock } from '../../core/clock.js';
import type { LookupLayer, ProfileResult } from '../../core/lookup.js';

/**
 * Stamps every outcome that comes up from the Graph API with when its lookup began: what
 * `MessengerProfile.fetchedAt` reports for a live answer, and what the cache above stores as each
 * field's fetch time. Stamped here, above degradation and retries, because those rebuild outcomes
 * from several exchanges; the lookup's start is the time its values are at least as fresh as.
 */
export function fetchTime(clock: Clock): LookupLayer {
  return (next) => async (requests, call) => {
    const provenance = { source: 'graph-api', fetchedAt: clock() } as const;
    const answer = await next(requests, call);
    const stamp = (result: ProfileResult): ProfileResult => (result instanceof Error ? result : { ...result, provenance });
    return { ...answer, results: answer.results.map(stamp) };
  };
}
