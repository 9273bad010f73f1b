import { CallerRefusal } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';
import type { UserRef } from '../core/ids.js';
import type { Lookup, LookupCall, ProfileRequest, ProfileResult } from '../core/lookup.js';
import { decodeEntry, freshField, isFreshNone, type CachedField, type CacheEntry } from './entry.js';
import type { InflightLookup } from './inflight.js';
import { profileKey } from './keys.js';
import type { CacheState } from './state.js';

/** Lookups (joined or started here) with the fields each answers for one request. */
export interface Part {
  readonly fields: readonly GraphField[];
  readonly result: Promise<ProfileResult>;
}

/** What one request of a batch will be answered from. */
export interface Plan {
  readonly request: ProfileRequest;
  readonly key: string;
  /** The entry as read when the lookup started, raw and decoded. */
  readonly raw: string | undefined;
  readonly entry: CacheEntry | undefined;
  /** A fresh "no profile" answer: nothing else is needed. */
  readonly none: boolean;
  readonly cached: ReadonlyMap<GraphField, CachedField>;
  readonly parts: readonly Part[];
  /** The lookup this batch starts for the fields nobody else is asking for. */
  readonly own?: InflightLookup | undefined;
}

/**
 * The one batch a cache lookup sends below, for the fields nobody else is asking for. Requests are
 * added while the lookup plans, synchronously; the batch goes below a microtask later, once every
 * request of the lookup is planned, so it is one batch however many users miss.
 */
export interface OwnBatch {
  readonly next: Lookup;
  readonly call: LookupCall;
  readonly requests: ProfileRequest[];
  readonly results: Promise<ProfileResult[]>;
}

export function openBatch(next: Lookup, call: LookupCall): OwnBatch {
  const requests: ProfileRequest[] = [];
  const results = Promise.resolve()
    .then(async () => (requests.length === 0 ? [] : (await next(requests, call)).results))
    .catch((error: unknown) => requests.map(() => toError(error)));
  return { next, call, requests, results };
}

/** Adds a request to the batch; resolves to its own result once the batch is answered. */
export function addToBatch(batch: OwnBatch, request: ProfileRequest): Promise<ProfileResult> {
  const index = batch.requests.push(request) - 1;
  return batch.results.then((results) => results[index] ?? missingResult());
}

/**
 * Splits one request between fresh values in the entry read from the store (`raw`, read at `at`),
 * lookups of the same user under way, and the batch, for the rest. A lookup started here is
 * registered before the batch goes below, so operations arriving meanwhile join it.
 */
export function planRequest(cache: CacheState, batch: OwnBatch, request: ProfileRequest, raw: string | undefined, at: number): Plan {
  const key = profileKey(cache.page, request.user);
  const entry = decodeEntry(raw);
  const cached = new Map<GraphField, CachedField>();
  if (entry && isFreshNone(entry, at, cache.policy)) return { request, key, raw, entry, none: true, cached, parts: [] };
  const wanted: GraphField[] = [];
  for (const field of new Set(request.fields)) {
    const hit = entry && freshField(entry, field, at, cache.policy);
    if (hit) cached.set(field, hit);
    else wanted.push(field);
  }
  const { parts, missing } = joinInflight(cache, batch, request.user, key, wanted);
  if (missing.length === 0) return { request, key, raw, entry, none: false, cached, parts };
  const own: InflightLookup = { fields: new Set(missing), result: addToBatch(batch, { user: request.user, fields: missing }) };
  cache.inflight.add(key, own);
  return { request, key, raw, entry, none: false, cached, parts: [...parts, { fields: missing, result: own.result }], own };
}

/**
 * Joins the lookups of this user under way for whatever of `wanted` they cover; answers the parts
 * joined and the fields nobody is asking for yet.
 */
export function joinInflight(
  cache: CacheState,
  batch: OwnBatch,
  user: UserRef,
  key: string,
  wanted: readonly GraphField[],
): { parts: Part[]; missing: readonly GraphField[] } {
  const { joined, missing } = cache.inflight.cover(key, wanted);
  // A lookup refused for the caller that started it (its budget, its priority) is no answer for
  // this one, which asks for itself instead.
  const parts = joined.map(({ lookup, fields }) => ({
    fields,
    result: lookup.result.then((result) => (result instanceof CallerRefusal ? askAlone(batch, { user, fields }) : result)),
  }));
  return { parts, missing };
}

/** One request sent below on its own, outside the batch (which may already be under way). */
function askAlone({ next, call }: OwnBatch, request: ProfileRequest): Promise<ProfileResult> {
  return next([request], call).then((answer) => answer.results[0] ?? missingResult(), toError);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function missingResult(): Error {
  return new Error('FetchProfiles answered fewer results than requests');
}
