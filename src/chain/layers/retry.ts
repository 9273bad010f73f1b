import { ExponentialBackoff, fullJitterGenerator, handleType, retry } from 'cockatiel';
import { upstreamUnavailable, type GatewayError } from '../../core/errors.js';
import { askSubset, isTransient, placeSubset, type LookupLayer, type ProfileResult } from '../../core/lookup.js';
import type { RetryBudget } from '../../pages/retry-budget.js';

export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retries off. */
  readonly retries: number;
  /** Ceiling of the first delay; doubles per retry, with full jitter. */
  readonly baseMs: number;
  readonly capMs: number;
  /** The Page's retry budget: retries beyond it keep their failure. */
  readonly budget?: RetryBudget | undefined;
}

/** Thrown inside the retry policy while some sub-requests still have transient failures. */
class TransientFailures extends Error {}

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
    // The first attempt runs outside cockatiel, which most lookups never need: its
    // machinery (events, a race with the deadline) is paid only once a retry is due.
    const first = signal?.aborted ? undefined : await next(requests, call);
    if (!first || signal?.aborted) return { results: requests.map(deadlinePassed) };
    options.budget?.deposit(requests.length);
    const failed = indexesOf(first.results, isTransient);
    if (failed.length === 0 || first.final || options.retries === 0) return { results: first.results };

    // Filled as answers come; what is still empty when the deadline passes gets the deadline's
    // error, made only then (a GatewayError captures a stack: too dear to make up front).
    const results: (ProfileResult | undefined)[] = [...first.results];
    let pending = failed;
    let waited = false;
    let attempt = 0;
    const attempts = policy.execute(async () => {
      // The first attempt already ran: the policy's own first call only starts its back-off.
      if (!waited) {
        waited = true;
        throw new TransientFailures();
      }
      // cockatiel's back-off delay ignores the signal: an attempt after the deadline does nothing.
      if (signal?.aborted) return;
      // Past the Page's retry budget the rest keep their last failure.
      if (options.budget) pending = pending.slice(0, options.budget.withdraw(pending.length));
      if (pending.length === 0) return;
      const answer = await askSubset(next, requests, pending, { ...call, attempt: ++attempt });
      if (signal?.aborted) return;
      placeSubset(results, pending, answer.results);
      pending = indexesOf(answer.results, isTransient).map((k) => pending[k]!);
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
    return { results: Array.from(results, (result) => result ?? (late ??= deadlinePassed())) };
  };
}

const deadlinePassed = () => upstreamUnavailable('Deadline reached before the Graph API answered');

function indexesOf<T>(items: readonly T[], test: (item: T) => boolean): number[] {
  const out: number[] = [];
  items.forEach((item, i) => {
    if (test(item)) out.push(i);
  });
  return out;
}

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
