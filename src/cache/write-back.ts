import type { GraphField } from '../core/fields.js';
import { decodeEntry, encodeEntry, freshField, withFields, withNone, type CachedField, type CacheEntry } from './entry.js';
import type { InflightLookup } from './inflight.js';
import type { Plan } from './plan.js';
import type { CacheState } from './state.js';

/**
 * Compare-and-set attempts of one update before it is given up (which costs at most a later miss):
 * each failed attempt means another write of the same user landed within one round trip.
 */
const MAX_SWAPS = 8;

/** A change to one stored entry; undefined leaves it as it is. */
export type EntryChange = (entry: CacheEntry | undefined) => CacheEntry | undefined;

/**
 * Applies `change` to the stored entry; `guess` is what the key probably holds (saves a read).
 * Updates of one key are serialised within the instance, so its own writes never compete; across
 * instances each update is a compare-and-set, retried on what another instance wrote meanwhile,
 * so no update (a refresh included) is lost to a concurrent one.
 */
export function updateEntry(cache: CacheState, key: string, change: EntryChange, guess: string | undefined, markerTtlSeconds = cache.ttlSeconds): Promise<void> {
  const previous = cache.writes.get(key);
  const task = () => swapIn(cache, key, change, guess, markerTtlSeconds);
  const done = previous ? previous.then(task, task) : task();
  cache.writes.set(key, done);
  const settle = () => {
    if (cache.writes.get(key) === done) cache.writes.delete(key);
  };
  done.then(settle, settle);
  return done;
}

/** The compare-and-set loop of one update: each miss merges into what the store answered it holds. */
async function swapIn(cache: CacheState, key: string, change: EntryChange, guess: string | undefined, markerTtlSeconds: number): Promise<void> {
  let raw = guess;
  for (let attempt = 0; attempt < MAX_SWAPS; attempt++) {
    const next = change(decodeEntry(raw));
    if (!next) return;
    const encoded = encodeEntry(next);
    if (encoded === raw) return;
    // A marker alone (no field, no "no profile") gets the short TTL; anything else the entry's.
    const swap = await cache.store.swap(key, raw, encoded, isMarker(next) ? markerTtlSeconds : cache.ttlSeconds);
    if (swap.outcome !== 'changed') return;
    raw = swap.current;
  }
}

/**
 * Stores what the lookup `own` (started for `plan`) learnt, then lets later callers read the store
 * instead of joining it. Errors are never stored.
 */
export async function remember(cache: CacheState, plan: Plan, own: InflightLookup, startedAt: number): Promise<void> {
  const generation = plan.entry?.generation ?? 0;
  try {
    const result = await own.result;
    if (result instanceof Error) return;
    const fields = [...own.fields];
    // The time the lookup below began (chain/layers/fetch-time.ts), so a value is dated the same
    // when served live and when served from here.
    const at = result.provenance?.fetchedAt ?? startedAt;
    if (result.kind === 'none') return await updateEntry(cache, plan.key, (entry) => withNone(entry, at, generation), plan.raw);
    const values = new Map<GraphField, CachedField>();
    for (const field of fields) {
      if (result.fieldErrors?.has(field)) continue;
      const value = result.data[field];
      values.set(field, value === undefined ? { at, generation } : { at, value, generation });
    }
    const answered = fields.some((field) => result.data[field] !== undefined || result.fieldErrors?.has(field));
    await updateEntry(
      cache,
      plan.key,
      (entry) => {
        // `{}` (or only `id`) is how the Graph API says "no profile", unless the user is known to
        // have one and simply lacks the fields asked (gender, say).
        if (!answered && !(entry && hasFreshValue(cache, entry))) return withNone(entry, at, generation);
        return values.size > 0 ? withFields(entry, values) : undefined;
      },
      plan.raw,
    );
  } finally {
    cache.inflight.remove(plan.key, own);
  }
}

function hasFreshValue(cache: CacheState, entry: CacheEntry): boolean {
  const at = cache.clock();
  return Object.keys(entry.fields).some((field) => freshField(entry, field as GraphField, at, cache.policy)?.value !== undefined);
}

/** An entry that holds nothing but a refresh generation: what a refresh of an unknown user writes. */
function isMarker(entry: CacheEntry): boolean {
  return !entry.none && Object.keys(entry.fields).length === 0;
}
