import { GRAPH_FIELDS, type GraphField } from '../core/fields.js';
import { pictureUrlExpiry } from '../core/picture-url.js';

/** One field of a user's profile as the Graph API last gave it. */
export interface CachedField {
  /** When the lookup that brought it started (ms since the epoch): the value is at least this fresh. */
  readonly at: number;
  /** Absent when the Graph API answered without this field. */
  readonly value?: unknown;
  /** The entry's generation when that lookup started. @default 0 */
  readonly generation?: number;
}

/** What the cache knows about one (page, PSID). Stored as JSON; never holds a token. */
export interface CacheEntry {
  readonly fields: Readonly<Partial<Record<GraphField, CachedField>>>;
  /** When the Graph API last said "no profile"; `fields` is then empty. */
  readonly none?: { readonly at: number; readonly generation?: number };
  /**
   * How many refreshes clients asked for. Values from lookups begun in an older generation no
   * longer count as fresh (they may still stand in for a failing Graph API). A counter rather than
   * a time, so a refresh and a lookup within one clock tick are still told apart. @default 0
   */
  readonly generation?: number;
}

/** How long what the cache holds may be used, in milliseconds. */
export interface CachePolicy {
  /** A field counts as fresh this long after it was fetched. */
  readonly ttlMs: number;
  /** A "no profile" answer counts as fresh this long. */
  readonly negativeTtlMs: number;
  /** Anything younger than this may stand in for a Graph API that fails. */
  readonly staleTtlMs: number;
}

/** Seconds a store keeps an entry: as long as any part of it may still be served. */
export function storeTtlSeconds(policy: CachePolicy): number {
  return Math.ceil(Math.max(policy.ttlMs, policy.negativeTtlMs, policy.staleTtlMs) / 1000);
}

/**
 * Expiry embedded in a profile picture URL (`ext` or `oe`), in milliseconds. The URL stops
 * working then, so no cached copy may be served after it, fresh or stale.
 */
export function pictureExpiry(value: unknown): number | undefined {
  return typeof value === 'string' ? pictureUrlExpiry(value) : undefined;
}

function usable(field: GraphField, cached: CachedField, now: number, maxAgeMs: number): boolean {
  if (now - cached.at >= maxAgeMs) return false;
  if (field !== 'profile_pic') return true;
  const expiry = pictureExpiry(cached.value);
  return expiry === undefined || now < expiry;
}

/** The cached field when it may be served without asking the Graph API. */
export function freshField(entry: CacheEntry, field: GraphField, now: number, policy: CachePolicy): CachedField | undefined {
  const cached = entry.fields[field];
  if (!cached || !current(entry, cached)) return undefined;
  return usable(field, cached, now, policy.ttlMs) ? cached : undefined;
}

function current(entry: CacheEntry, part: { readonly generation?: number }): boolean {
  return (part.generation ?? 0) >= (entry.generation ?? 0);
}

/** The cached field when it may stand in for a failing Graph API. */
export function staleField(entry: CacheEntry, field: GraphField, now: number, policy: CachePolicy): CachedField | undefined {
  const cached = entry.fields[field];
  return cached && usable(field, cached, now, policy.staleTtlMs) ? cached : undefined;
}

export function isFreshNone(entry: CacheEntry, now: number, policy: CachePolicy): boolean {
  const none = entry.none;
  return none !== undefined && current(entry, none) && now - none.at < policy.negativeTtlMs;
}

/** When the "no profile" answer was fetched, if it may stand in for a failing Graph API. */
export function staleNoneAt(entry: CacheEntry, now: number, policy: CachePolicy): number | undefined {
  const at = entry.none?.at;
  return at !== undefined && now - at < policy.staleTtlMs ? at : undefined;
}

/** When a lookup started and in which generation: what tells two answers apart. */
type Stamp = { readonly at: number; readonly generation?: number };

/**
 * Whether an answer stamped `candidate` is at least as recent as one stamped `known`. Lookups of
 * one user can finish out of order, so the one that started later wins; within one clock tick, the
 * one begun after more refreshes does.
 */
function atLeastAsRecent(candidate: Stamp, known: Stamp): boolean {
  if (candidate.at !== known.at) return candidate.at > known.at;
  return (candidate.generation ?? 0) >= (known.generation ?? 0);
}

/**
 * The entry with these fields replaced where they are more recent. A profile answer ends "no
 * profile" knowledge, unless that knowledge came from a lookup that started later: then the fields
 * are out of date.
 */
export function withFields(entry: CacheEntry | undefined, fields: ReadonlyMap<GraphField, CachedField>): CacheEntry {
  const none = entry?.none;
  const recent = [...fields].filter(([, cached]) => none === undefined || atLeastAsRecent(cached, none));
  if (entry && recent.length === 0) return entry;
  const merged: Partial<Record<GraphField, CachedField>> = { ...entry?.fields };
  for (const [field, cached] of recent) {
    const known = merged[field];
    if (!known || atLeastAsRecent(cached, known)) merged[field] = cached;
  }
  return { fields: merged, ...generationOf(entry) };
}

/**
 * "No profile" replaces whatever was known (the user revoked access or never gave it), unless a
 * lookup that started later said otherwise.
 */
export function withNone(entry: CacheEntry | undefined, at: number, generation: number): CacheEntry {
  const stamp = { at, generation };
  const known = [...(entry?.none ? [entry.none] : []), ...Object.values(entry?.fields ?? {})];
  if (entry && known.some((part) => !atLeastAsRecent(stamp, part))) return entry;
  return { fields: {}, none: generation ? { at, generation } : { at }, ...generationOf(entry) };
}

/**
 * The entry with its current values no longer fresh. A user with nothing cached gets an entry
 * too, so that a lookup begun before the refresh cannot store its answer as fresh after it.
 */
export function withRefresh(entry: CacheEntry | undefined): CacheEntry {
  return { ...(entry ?? { fields: {} }), generation: (entry?.generation ?? 0) + 1 };
}

function generationOf(entry: CacheEntry | undefined): { generation?: number } {
  return entry?.generation ? { generation: entry.generation } : {};
}

export function encodeEntry(entry: CacheEntry): string {
  return JSON.stringify(entry);
}

/** The entry a store held, or undefined for anything that is not one (treated as a miss). */
export function decodeEntry(raw: string | undefined): CacheEntry | undefined {
  if (raw === undefined) return undefined;
  const known = decoded.get(raw);
  if (known) return known;
  const entry = parseEntry(raw);
  if (entry) {
    if (decoded.size >= MAX_DECODED) decoded.delete(decoded.keys().next().value!);
    decoded.set(raw, entry);
  }
  return entry;
}

// Private: a hot user's entry is read again and again, unchanged: its decoded form is kept, keyed by
// the stored text (V8 keeps a string's hash on it, so the lookup is cheap). Entries are never
// mutated (every change makes a new one), so sharing them is safe. Oldest out first.
const decoded = new Map<string, CacheEntry>();
const MAX_DECODED = 4096;

function parseEntry(raw: string): CacheEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.fields)) return undefined;
  for (const [name, cached] of Object.entries(parsed.fields)) {
    if (!GRAPH_FIELDS.has(name) || !isRecord(cached) || !isNumber(cached.at) || !isGeneration(cached.generation)) return undefined;
  }
  const { none, generation } = parsed;
  if (none !== undefined && !(isRecord(none) && isNumber(none.at) && isGeneration(none.generation))) return undefined;
  if (!isGeneration(generation)) return undefined;
  return parsed as unknown as CacheEntry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isGeneration(value: unknown): boolean {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
}
