import type { LookupLayer } from '../../core/lookup.js';

/**
 * One deadline for a whole lookup: every exchange, retry and back-off below it. Past it the layers
 * below answer what they have; the users not yet answered get UPSTREAM_UNAVAILABLE.
 */
export function deadline(timeoutMs: number): LookupLayer {
  return (next) => async (requests, call) => {
    // A timer cleared when the lookup ends, not AbortSignal.timeout(), whose timer and
    // signal outlive every answer by the whole deadline: under load that garbage cost ~20% of the
    // gateway's CPU (BENCHMARKS.md).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('The upstream deadline passed', 'TimeoutError')), timeoutMs);
    try {
      return await next(requests, { ...call, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };
}
