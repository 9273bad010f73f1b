import type { LookupLayer } from '../../core/lookup.js';
import type { SharedThrottle } from '../../pages/shared-throttle.js';

/** Above the Page's throttle layer: reads what other instances learnt before it, writes what it learnt. */
export function sharedThrottle(shared: SharedThrottle): LookupLayer {
  return (next) => async (requests, call) => {
    const reading = shared.refresh();
    if (reading) await reading;
    const answer = await next(requests, call);
    await shared.publish();
    return answer;
  };
}
