import type { LookupLayer } from '../../core/lookup.js';
import type { SharedThrottle } from '../../pages/shared-throttle.js';

/**
 * Above the Page's throttle layer: reads what other instances learnt before it, writes what it
 * learnt, both in the background: Redis never delays a lookup, a read applies to later ones.
 */
export function sharedThrottle(shared: SharedThrottle): LookupLayer {
  return (next) => async (requests, call) => {
    shared.refresh();
    const answer = await next(requests, call);
    shared.publish();
    return answer;
  };
}
