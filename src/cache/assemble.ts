import { ErrorCode, GatewayError } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';
import type { ProfileOutcome, ProfileResult, Provenance, ValueSource } from '../core/lookup.js';
import { staleField, staleNoneAt } from './entry.js';
import type { Plan } from './plan.js';
import { markStale } from './stale.js';
import type { CacheOutcome, CacheState } from './state.js';

/**
 * One request's answer from its plan: cached values, then each part's result. When a part fails in
 * a way a stale value may hide, values past their TTL but younger than the stale TTL stand in,
 * marked stale; otherwise the failure is the answer, as without a cache.
 */
export async function assembleAnswer(cache: CacheState, plan: Plan): Promise<ProfileResult> {
  if (plan.none) return { kind: 'none', provenance: { source: 'cache', fetchedAt: plan.entry!.none!.at } };
  const parts = await Promise.all(plan.parts.map(async ({ fields, result }) => ({ fields, result: await result })));
  const at = cache.clock();
  const data: Record<string, unknown> = {};
  const fieldErrors = new Map<GraphField, GatewayError>();
  const provenance = new OldestValue();
  let oldestStale: number | undefined;
  let failure: GatewayError | undefined;
  for (const [field, cached] of plan.cached) {
    data[field] = cached.value;
    provenance.used('cache', cached.at);
  }

  for (const { fields, result } of parts) {
    if (!(result instanceof Error)) {
      if (result.kind === 'none') return result;
      for (const field of fields) {
        const error = result.fieldErrors?.get(field);
        if (error) fieldErrors.set(field, error);
        else data[field] = result.data[field];
      }
      if (result.provenance && fields.some((field) => !result.fieldErrors?.has(field))) {
        provenance.used(result.provenance.source, result.provenance.fetchedAt);
      }
      continue;
    }
    if (!servesStale(result)) return result;
    failure ??= result;
    const noneAt = plan.entry && staleNoneAt(plan.entry, at, cache.policy);
    if (noneAt !== undefined) {
      return markStale({ kind: 'none', provenance: { source: 'stale-cache', fetchedAt: noneAt } }, ageSeconds(at, noneAt));
    }
    for (const field of fields) {
      const stale = plan.entry && staleField(plan.entry, field, at, cache.policy);
      if (!stale) {
        fieldErrors.set(field, result);
        continue;
      }
      data[field] = stale.value;
      provenance.used('stale-cache', stale.at);
      oldestStale = Math.min(oldestStale ?? stale.at, stale.at);
    }
  }

  const served = plan.request.fields.some((field) => data[field] !== undefined);
  // Nothing to show but the failure: the same error as without a cache.
  if (failure && !served && oldestStale === undefined) return failure;
  for (const field of Object.keys(data)) if (data[field] === undefined) delete data[field];
  const outcome: ProfileOutcome = {
    kind: 'profile',
    data,
    ...(fieldErrors.size > 0 ? { fieldErrors } : {}),
    provenance: provenance.value,
  };
  return oldestStale === undefined ? outcome : markStale(outcome, ageSeconds(at, oldestStale));
}

/** Where the answer to a plan came from, for metrics and the lookup's span. */
export function outcomeOf(plan: Plan, result: ProfileResult): CacheOutcome {
  if ('stale' in result) return 'stale';
  if (plan.none || plan.parts.length === 0) return 'hit';
  if (!plan.own) return 'coalesced';
  return plan.cached.size > 0 ? 'partial' : 'miss';
}

const AGE_RANK: Readonly<Record<ValueSource, number>> = { 'graph-api': 0, cache: 1, 'stale-cache': 2 };

/** The oldest kind of value an answer used, and the fetch time of the oldest value. */
class OldestValue {
  private source: ValueSource | undefined;
  private fetchedAt = Infinity;

  used(source: ValueSource, fetchedAt: number): void {
    if (this.source === undefined || AGE_RANK[source] > AGE_RANK[this.source]) this.source = source;
    this.fetchedAt = Math.min(this.fetchedAt, fetchedAt);
  }

  get value(): Provenance | undefined {
    return this.source === undefined ? undefined : { source: this.source, fetchedAt: this.fetchedAt };
  }
}

/** Failures a stale value may hide: the Graph API is down, overloaded or throttling (breaker open included). */
/** Failures a stale value may hide: the Graph API is down, overloaded or throttling (breaker open included), or refuses the Page token. */
function servesStale(error: Error): error is GatewayError {
  return (
    error instanceof GatewayError &&
    (error.code === ErrorCode.UPSTREAM_UNAVAILABLE || error.code === ErrorCode.RATE_LIMITED || error.code === ErrorCode.UPSTREAM_AUTH_FAILED)
  );
}

function ageSeconds(now: number, at: number): number {
  return Math.max(0, Math.floor((now - at) / 1000));
}
