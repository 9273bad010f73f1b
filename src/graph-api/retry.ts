import { ExponentialBackoff, fullJitterGenerator, handleType, retry } from 'cockatiel';
import { ErrorCode, hasCode, upstreamUnavailable, type GatewayError } from '../errors.js';
import type { LookupLayer, ProfileResult } from './lookup.js';

export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retries off. */
  readonly retries: number;
  /** Ceiling of the first delay; doubles per retry, with full jitter. */
  readonly baseMs: number;
  readonly capMs: number;
}

/** Thrown inside the retry policy while some sub-requests still have transient failures. */
class TransientFailures extends Error {}

const isTransient = (result: ProfileResult) => hasCode(result, ErrorCode.UPSTREAM_UNAVAILABLE);

/**
 * Retries (cockatiel, full jitter) of transient failures only, re-asking only the sub-requests
 * that failed: users already answered are not fetched again. Bounded by the lookup's deadline.
 */
export function retries(options: RetryOptions): LookupLayer {
  const policy = retry(handleType(TransientFailures), {
    maxAttempts: options.retries,
    backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: options.baseMs, maxDelay: options.capMs }),
  });
  return (next) => async (requests, call) => {
    const { signal } = call;
    // Private: filled as answers come; what is still empty when the deadline passes gets the
    // deadline's error, made only then (a GatewayError captures a stack: too dear to make up front).
    const results = new Array<ProfileResult | undefined>(requests.length);
    let pending = requests.map((_, i) => i);
    const attempts = policy.execute(async () => {
      // cockatiel's back-off delay ignores the signal: an attempt after the deadline does nothing.
      if (signal?.aborted) return;
      const answer = await next(
        pending.map((i) => requests[i]!),
        call,
      );
      if (signal?.aborted) return;
      const failed: number[] = [];
      answer.results.forEach((result, k) => {
        const i = pending[k]!;
        results[i] = result;
        if (isTransient(result)) failed.push(i);
      });
      pending = failed;
      if (pending.length > 0 && !answer.final) throw new TransientFailures();
    }, signal);
    try {
      await (signal ? Promise.race([attempts, aborted(signal)]) : attempts);
    } catch {
      // Retries ran out: each pending result holds its last failure.
    }
    attempts.catch(() => undefined);
    // A snapshot: an exchange still settling after the deadline must not change the answer.
    let late: GatewayError | undefined;
    return { results: Array.from(results, (result) => result ?? (late ??= upstreamUnavailable('Deadline reached before the Graph API answered'))) };
  };
}

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
