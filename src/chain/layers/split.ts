import { GatewayError } from '../../core/errors.js';
import type { LookupLayer } from '../../core/lookup.js';

/** Code 1 "Please reduce the amount of data you're asking for": classify.ts marks it final. */
const askedForLess = (error: Error | undefined): boolean => error instanceof GatewayError && error.graph?.final === true;

/**
 * A batch the Graph API found too large (code 1, "reduce the amount of data") is asked again once
 * as two halves, rather than repeated as is, which never succeeds. A half refused again stays
 * refused: the error is final, so the retry layer does not ask it a third time (core/lookup.ts).
 */
export function splitWhenTooLarge(): LookupLayer {
  return (next) => async (requests, call) => {
    const answer = await next(requests, call);
    if (!askedForLess(answer.failure) || requests.length < 2) return answer;
    const middle = Math.ceil(requests.length / 2);
    const [first, second] = await Promise.all([next(requests.slice(0, middle), call), next(requests.slice(middle), call)]);
    return { results: [...first.results, ...second.results], headers: second.headers ?? first.headers, status: second.status ?? first.status };
  };
}
