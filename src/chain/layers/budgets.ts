import { overBudget } from '../../core/errors.js';
import type { Answer, Caller, LookupCall, LookupLayer, ProfileRequest } from '../../core/lookup.js';
import type { CallerBudgets, CountCallerLookups } from '../../pages/budgets.js';

/**
 * Bounds each caller's lookups that would reach the Graph API to its lookupsPerMinute: past it,
 * they fail fast with RATE_LIMITED (`scope: "caller"`) and no upstream call, while the rest of the
 * batch goes on. Below the cache, so cache hits and joined lookups are free. Counts every lookup
 * it lets through as `upstream`; callers without a budget cost no round trip.
 */
export function budgets(callerBudgets: CallerBudgets, page: string, count: CountCallerLookups): LookupLayer {
  return (next) => {
    async function limited(caller: Caller, perMinute: number, requests: readonly ProfileRequest[], call: LookupCall): Promise<Answer> {
      const { granted, retryAfterSeconds } = await callerBudgets.take(caller.name, perMinute, page, requests.length);
      if (granted > 0) count(caller, 'upstream', granted);
      if (granted === requests.length) return next(requests, call);
      count(caller, 'over_budget', requests.length - granted);
      const refused = requests.slice(granted).map(() => overBudget(retryAfterSeconds));
      if (granted === 0) return { results: refused };
      const answer = await next(requests.slice(0, granted), call);
      return { results: [...answer.results, ...refused], headers: answer.headers };
    }
    // Not async: a lookup without a budget costs no promise of this layer's own.
    return (requests, call) => {
      const caller = call.caller;
      const perMinute = caller?.lookupsPerMinute;
      if (caller !== undefined && perMinute !== undefined) return limited(caller, perMinute, requests, call);
      count(caller, 'upstream', requests.length);
      return next(requests, call);
    };
  };
}
