/**
 * What the profile cache asks of a store: one JSON entry per key, and an atomic compare-and-set,
 * so that instances sharing the store merge their updates of one user instead of overwriting
 * each other's (a refresh included).
 */
export interface EntryStore {
  /** The raw entry, or undefined when there is none (or the store could not say). */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `next` under `key`, expiring after `ttlSeconds`, only if the key still holds `expected`
   * (undefined: nothing). Otherwise answers what it holds now, for the caller to merge into.
   */
  swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap>;
}

export type Swap =
  | { readonly outcome: 'swapped' }
  /** The key held something else: `current`. */
  | { readonly outcome: 'changed'; readonly current: string | undefined }
  /** The store did not answer; nothing is known to be written. */
  | { readonly outcome: 'failed' };
