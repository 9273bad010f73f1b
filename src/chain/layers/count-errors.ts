import type { LookupLayer } from '../../core/lookup.js';
import type { UpstreamMetrics } from '../../pages/metrics.js';

/** Failed lookups and failed fields by code, on /metrics. */
export function countErrors(metrics: UpstreamMetrics): LookupLayer {
  return (next) => async (requests, call) => {
    const answer = await next(requests, call);
    for (const result of answer.results) metrics.countError(result);
    return answer;
  };
}
