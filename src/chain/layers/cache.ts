import type { LookupLayer } from '../../core/lookup.js';
import type { ProfileCache } from '../../cache/profile-cache.js';

/** Fresh fields from the cache, joining lookups under way, stale values when upstream fails. */
export function cached(cache: ProfileCache): LookupLayer {
  return (next) => (requests, call) => cache.lookup(requests, call, next);
}
