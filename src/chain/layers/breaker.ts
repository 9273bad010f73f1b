import { upstreamUnavailable } from '../../core/errors.js';
import { isTransient, type Answer, type LookupLayer } from '../../core/lookup.js';
import type { Breaker } from '../../pages/breaker.js';

/**
 * A failed exchange is one that brought nothing usable: transport error, 5xx, garbage, or every
 * entry transient. `{}`, 2018218, auth and rate-limit answers are not upstream outages.
 */
function isOutage({ failure, results }: Answer): boolean {
  return failure ? isTransient(failure) : results.length > 0 && results.every(isTransient);
}

/** Fails fast, with no upstream call, while the breaker is open; the answer is final (no retry). */
export function failFast(breaker: Breaker): LookupLayer {
  return (next) => async (requests, call) => {
    const admitted = await breaker.admit();
    if (!admitted) {
      const results = requests.map(() => upstreamUnavailable('The Graph API is failing; calls are paused for a cool-down'));
      return { results, final: true };
    }
    let failed = true;
    try {
      const answer = await next(requests, call);
      failed = isOutage(answer);
      return answer;
    } finally {
      // A bulk lookup that ran out of time says more about the gateway's own queue (a webhook
      // flood) than about the Graph API: it must not open the breaker on interactive callers.
      if (!(call.caller?.priority === 'bulk' && call.signal?.aborted && admitted === 'call')) breaker.record(failed, admitted);
    }
  };
}
