import type { UserRef } from '../core/ids.js';
import type { Answer, Lookup, LookupCall, ProfileRequest } from '../core/lookup.js';
import { assembleAnswer, outcomeOf } from './assemble.js';
import { withRefresh } from './entry.js';
import { profileKey } from './keys.js';
import { openBatch, planRequest } from './plan.js';
import { cacheState, type CacheOutcome, type CacheState, type ProfileCacheOptions } from './state.js';
import type { EntryStore } from './stores/entry-store.js';
import { remember, updateEntry } from './write-back.js';

export type { CacheOutcome, ProfileCacheOptions } from './state.js';

export interface ProfileCache {
  /** Answers what it can from the store and lookups under way, asking `next` for the rest in one batch. */
  lookup(requests: readonly ProfileRequest[], call: LookupCall, next: Lookup): Promise<Answer>;
  /**
   * Makes one user's cached values no longer fresh, in every instance sharing the store, so the
   * next read goes to the Graph API. The values stay available as stale stand-ins.
   */
  refresh(user: UserRef): Promise<void>;
  /**
   * The user just wrote to the Page, so may have authorized it: a cached "no profile" stops
   * counting, in every instance sharing the store. Cached profile fields stay fresh.
   */
  dropNoProfile(user: UserRef): Promise<void>;
}

/**
 * A per-field cache keyed by (page, user: a PSID or an IGSID): each request takes the fresh fields from the store
 * (plan.ts), joins lookups of the same user already under way, and asks below only for the rest,
 * all in one batch. Fresh answers are stored (write-back.ts); when the Graph API is unavailable or
 * throttling, values past their TTL but younger than the stale TTL stand in, marked stale
 * (assemble.ts). Errors are never stored.
 */
export function createProfileCache(store: EntryStore, options: ProfileCacheOptions): ProfileCache {
  const cache = cacheState(store, options);
  return {
    lookup: (requests, call, next) => lookupProfiles(cache, options.observe, requests, call, next),
    refresh: (user) => refreshProfile(cache, user),
    dropNoProfile: (user) => dropNoProfile(cache, user),
  };
}

/** One lookup through the cache: read, plan, send one batch below, store, assemble. */
export async function lookupProfiles(
  cache: CacheState,
  observe: ProfileCacheOptions['observe'],
  requests: readonly ProfileRequest[],
  call: LookupCall,
  next: Lookup,
): Promise<Answer> {
  // With tracing on, the upstream calls this lookup makes nest under its span.
  const span = call.trace?.child('profile_cache.lookup', { 'gateway.cache.users': requests.length });
  const callBelow = span ? { ...call, trace: span } : call;
  const entries = await Promise.all(requests.map((request) => cache.store.get(profileKey(cache.page, request.user))));
  const startedAt = cache.clock();
  const batch = openBatch(next, callBelow);
  const plans = requests.map((request, i) => planRequest(cache, batch, request, entries[i], startedAt));
  // Stored without delaying the answer. The write is sent as soon as the upstream answer is in,
  // before this answer is, and until it is done later operations of this instance join the
  // lookup rather than read the store. A write that fails costs at most a later miss.
  for (const plan of plans) if (plan.own) remember(cache, plan, plan.own, startedAt).catch(() => {});
  const results = await Promise.all(plans.map((plan) => assembleAnswer(cache, plan)));
  if (observe || span) {
    const outcomes = plans.map((plan, i) => outcomeOf(plan, results[i]!));
    if (observe) outcomes.forEach((outcome) => observe(outcome, call));
    span?.set(countOutcomes(outcomes));
  }
  span?.end();
  return { results };
}

async function refreshProfile(cache: CacheState, user: UserRef): Promise<void> {
  const key = profileKey(cache.page, user);
  cache.inflight.forget(key);
  await updateEntry(cache, key, withRefresh, undefined, cache.markerTtlSeconds);
}

async function dropNoProfile(cache: CacheState, user: UserRef): Promise<void> {
  const key = profileKey(cache.page, user);
  cache.inflight.forget(key);
  // A "no profile" entry holds no field, so a refresh is exactly the drop. Its new generation
  // (written for an unknown user too) also discounts a "no profile" that a lookup begun before
  // the message stores late, on any instance. Known fields are left alone.
  await updateEntry(cache, key, (entry) => (!entry ? withRefresh({ fields: {} }) : entry.none ? withRefresh(entry) : undefined), undefined, cache.markerTtlSeconds);
}

/** Span attributes: how many users each outcome had, e.g. `gateway.cache.hit`. */
function countOutcomes(outcomes: readonly CacheOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[`gateway.cache.${outcome}`] = (counts[`gateway.cache.${outcome}`] ?? 0) + 1;
  return counts;
}
