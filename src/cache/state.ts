import type { Clock } from '../core/clock.js';
import type { LookupCall } from '../core/lookup.js';
import type { CachePolicy } from './entry.js';
import { storeTtlSeconds } from './entry.js';
import { InflightLookups } from './inflight.js';
import type { EntryStore } from './stores/entry-store.js';

/** Where one user's lookup was answered from (for metrics). */
export type CacheOutcome = 'hit' | 'partial' | 'coalesced' | 'miss' | 'stale';

export interface ProfileCacheOptions {
  /** Non-secret identity of the Page (see pageKey). */
  readonly page: string;
  /** Told the outcome of every user's lookup, and whose lookup it was. */
  readonly observe?: (outcome: CacheOutcome, call: LookupCall) => void;
  readonly policy: CachePolicy;
  readonly clock: Clock;
  /**
   * The longest a lookup may take (UPSTREAM_TIMEOUT_MS). A refresh of a user nothing is cached for
   * leaves only a marker that lives this long: enough to discount a lookup already under way, too
   * short for a flood of refreshes of unknown users to fill the store. @default the entry's TTL
   */
  readonly lookupMs?: number | undefined;
}

/**
 * Everything one Page's cache keeps between lookups. Each step of a lookup (planning, joining,
 * write-back, answer assembly) is a top-level function taking this as its first argument, as
 * dataloader's helpers take the loader.
 */
export interface CacheState {
  readonly store: EntryStore;
  readonly page: string;
  readonly policy: CachePolicy;
  readonly clock: Clock;
  /** Expiry of a stored entry, in seconds: the longest any value in it stays usable. */
  readonly ttlSeconds: number;
  /** Expiry of a marker alone (a refresh generation, no field, no "no profile"): a lookup's time and a second of slack for its write. */
  readonly markerTtlSeconds: number;
  readonly inflight: InflightLookups;
  /**
   * The update of each key this instance is writing: updates of one key are serialised within the
   * instance, so its own writes never compete (see updateEntry).
   */
  readonly writes: Map<string, Promise<void>>;
}

export function cacheState(store: EntryStore, { page, policy, clock, lookupMs }: ProfileCacheOptions): CacheState {
  const ttlSeconds = storeTtlSeconds(policy);
  const markerTtlSeconds = lookupMs === undefined ? ttlSeconds : Math.min(ttlSeconds, Math.ceil(lookupMs / 1000) + 1);
  return { store, page, policy, clock, ttlSeconds, markerTtlSeconds, inflight: new InflightLookups(), writes: new Map() };
}
