import { ErrorCode, hasCode, rateLimited } from '../../core/errors.js';
import type { LookupLayer } from '../../core/lookup.js';
import type { Throttle } from '../../pages/throttle.js';

/**
 * Fails fast with RATE_LIMITED (and retryAfterSeconds), with no upstream call, while the Page is
 * throttled (or, with usage saturated, between two lookups let through to read it again); reads the usage headers of every answer and backs off on rate-limit codes.
 */
export function throttled(throttle: Throttle): LookupLayer {
  return (next) => async (requests, call) => {
    const wait = throttle.admit();
    if (wait !== undefined) return { results: requests.map(() => rateLimited({ retryAfterSeconds: wait })) };
    const answer = await next(requests, call);
    throttle.observe(answer.headers);
    if (!answer.results.some((r) => hasCode(r, ErrorCode.RATE_LIMITED))) return answer;
    throttle.backOff(answer.headers);
    const retryAfterSeconds = throttle.retryAfterSeconds();
    if (retryAfterSeconds === undefined) return answer;
    const results = answer.results.map((r) => (hasCode(r, ErrorCode.RATE_LIMITED) ? r.with({ retryAfterSeconds }) : r));
    return { ...answer, results };
  };
}
