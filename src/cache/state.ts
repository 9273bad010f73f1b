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
  readonly inflight: InflightLookups;
  /**
   * The update of each key this instance is writing: updates of one key are serialised within the
   * instance, so its own writes never compete (see updateEntry).
   */
  readonly writes: Map<string, Promise<void>>;
}

export function cacheState(store: EntryStore, { page, policy, clock }: ProfileCacheOptions): CacheState {
  return { store, page, policy, clock, ttlSeconds: storeTtlSeconds(policy), inflight: new InflightLookups(), writes: new Map() };
}
