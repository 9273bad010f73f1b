import type { Clock } from '../core/clock.js';
import { CallerRefusal, ErrorCode, GatewayError } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';
import type { UserRef } from '../core/ids.js';
import type {
  Lookup as ChainLookup,
  LookupCall,
  Answer,
  ProfileOutcome,
  ProfileRequest,
  ProfileResult,
  Provenance,
  ValueSource,
} from '../core/lookup.js';
import {
  decodeEntry,
  encodeEntry,
  freshField,
  isFreshNone,
  staleField,
  staleNoneAt,
  storeTtlSeconds,
  withFields,
  withNone,
  withRefresh,
  type CachedField,
  type CacheEntry,
  type CachePolicy,
} from './entry.js';
import { InflightLookups, type Lookup } from './inflight.js';
import { profileKey } from './keys.js';
import { markStale } from './stale.js';
import type { EntryStore } from './stores/entry-store.js';

/**
 * Compare-and-set attempts of one update before it is given up (which costs at most a later miss):
 * each failed attempt means another write of the same user landed within one round trip.
 */
const MAX_SWAPS = 8;

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

export interface ProfileCache {
  /** Answers what it can from the store and lookups under way, asking `next` for the rest in one batch. */
  lookup(requests: readonly ProfileRequest[], call: LookupCall, next: ChainLookup): Promise<Answer>;
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

/** The layers below the cache, and the call they are asked in. */
interface Below {
  readonly next: ChainLookup;
  readonly call: LookupCall;
}

/** What one request of a batch will be answered from. */
interface Plan {
  readonly request: ProfileRequest;
  readonly key: string;
  /** The entry as read when the lookup started, raw and decoded. */
  readonly raw: string | undefined;
  readonly entry: CacheEntry | undefined;
  /** A fresh "no profile" answer: nothing else is needed. */
  readonly none: boolean;
  readonly cached: ReadonlyMap<GraphField, CachedField>;
  /** Lookups (joined or started here) with the fields each answers for this request. */
  readonly parts: { readonly fields: readonly GraphField[]; readonly result: Promise<ProfileResult> }[];
  /** The lookup this batch starts for the fields nobody else is asking for. */
  own?: Lookup;
}

/**
 * A per-field cache keyed by (page, user): each request takes the fresh
 * fields from the store, joins lookups of the same user already under way, and asks upstream only
 * for the rest, all in one upstream batch. Fresh answers are stored; when the upstream is
 * unavailable or throttling, values past their TTL but younger than the stale TTL stand in, marked
 * stale. Errors are never stored.
 */
export function createProfileCache(store: EntryStore, options: ProfileCacheOptions): ProfileCache {
  const { page, policy, clock: now } = options;
  const ttl = storeTtlSeconds(policy);
  const inflight = new InflightLookups();
  // Private: updates of one key are serialised within the instance, so its own writes never
  // compete; across instances each update is a compare-and-set, retried on what another instance
  // wrote meanwhile, so no update (a refresh included) is lost to a concurrent one.
  const writes = new Map<string, Promise<void>>();

  async function swapIn(key: string, change: (entry: CacheEntry | undefined) => CacheEntry | undefined, guess: string | undefined): Promise<void> {
    let raw = guess;
    for (let attempt = 0; attempt < MAX_SWAPS; attempt++) {
      const next = change(decodeEntry(raw));
      if (!next) return;
      const encoded = encodeEntry(next);
      if (encoded === raw) return;
      const swap = await store.swap(key, raw, encoded, ttl);
      if (swap.outcome !== 'changed') return;
      raw = swap.current;
    }
  }

  /** Applies `change` to the stored entry; `guess` is what the key probably holds (saves a read). */
  function update(key: string, change: (entry: CacheEntry | undefined) => CacheEntry | undefined, guess: string | undefined): Promise<void> {
    const previous = writes.get(key);
    const task = () => swapIn(key, change, guess);
    const done = previous ? previous.then(task, task) : task();
    writes.set(key, done);
    const settle = () => {
      if (writes.get(key) === done) writes.delete(key);
    };
    done.then(settle, settle);
    return done;
  }

  function plan(
    request: ProfileRequest,
    raw: string | undefined,
    at: number,
    ownRequests: ProfileRequest[],
    batch: Promise<ProfileResult[]>,
    below: Below,
  ): Plan {
    const key = profileKey(page, request.user);
    const entry = decodeEntry(raw);
    const cached = new Map<GraphField, CachedField>();
    if (entry && isFreshNone(entry, at, policy)) return { request, key, raw, entry, none: true, cached, parts: [] };
    const wanted: GraphField[] = [];
    for (const field of new Set(request.fields)) {
      const hit = entry && freshField(entry, field, at, policy);
      if (hit) cached.set(field, hit);
      else wanted.push(field);
    }
    const { joined, missing } = inflight.cover(key, wanted);
    // A lookup refused for the caller that started it (its budget, its priority) is no answer for
    // this one, which asks for itself instead.
    const parts = joined.map(({ lookup, fields }) => ({
      fields,
      result: lookup.result.then((result) => (result instanceof CallerRefusal ? askAlone(below, { user: request.user, fields }) : result)),
    }));
    const result: Plan = { request, key, raw, entry, none: false, cached, parts };
    if (missing.length > 0) {
      const index = ownRequests.push({ user: request.user, fields: missing }) - 1;
      const lookup: Lookup = { fields: new Set(missing), result: batch.then((results) => results[index] ?? missingResult()) };
      // Registered before this batch goes upstream, so operations arriving meanwhile join it.
      inflight.add(key, lookup);
      parts.push({ fields: missing, result: lookup.result });
      result.own = lookup;
    }
    return result;
  }

  /** Stores what a lookup learnt, then lets later callers read the store instead of joining it. */
  async function remember(plan: Plan, own: Lookup, startedAt: number): Promise<void> {
    const generation = plan.entry?.generation ?? 0;
    try {
      const result = await own.result;
      if (result instanceof Error) return;
      const fields = [...own.fields];
      // The time the lookup below began (chain/layers/fetch-time.ts), so a value is dated the same
      // when served live and when served from here.
      const at = result.provenance?.fetchedAt ?? startedAt;
      if (result.kind === 'none') return await update(plan.key, (entry) => withNone(entry, at, generation), plan.raw);
      const values = new Map<GraphField, CachedField>();
      for (const field of fields) {
        if (result.fieldErrors?.has(field)) continue;
        const value = result.data[field];
        values.set(field, value === undefined ? { at, generation } : { at, value, generation });
      }
      const answered = fields.some((field) => result.data[field] !== undefined || result.fieldErrors?.has(field));
      await update(plan.key, (entry) => {
        // `{}` (or only `id`) is how the Graph API says "no profile", unless the user is known to
        // have one and simply lacks the fields asked (gender, say).
        if (!answered && !(entry && hasFreshValue(entry, now()))) return withNone(entry, at, generation);
        return values.size > 0 ? withFields(entry, values) : undefined;
      }, plan.raw);
    } finally {
      inflight.remove(plan.key, own);
    }
  }

  function hasFreshValue(entry: CacheEntry, at: number): boolean {
    return Object.keys(entry.fields).some((field) => freshField(entry, field as GraphField, at, policy)?.value !== undefined);
  }

  async function answer(plan: Plan): Promise<ProfileResult> {
    if (plan.none) return { kind: 'none', provenance: { source: 'cache', fetchedAt: plan.entry!.none!.at } };
    const parts = await Promise.all(plan.parts.map(async ({ fields, result }) => ({ fields, result: await result })));
    const at = now();
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
      const noneAt = plan.entry && staleNoneAt(plan.entry, at, policy);
      if (noneAt !== undefined) {
        return markStale({ kind: 'none', provenance: { source: 'stale-cache', fetchedAt: noneAt } }, ageSeconds(at, noneAt));
      }
      for (const field of fields) {
        const stale = plan.entry && staleField(plan.entry, field, at, policy);
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

  async function lookup(requests: readonly ProfileRequest[], call: LookupCall, next: ChainLookup): Promise<Answer> {
    // With tracing on, the upstream calls this lookup makes nest under its span.
    const span = call.trace?.child('profile_cache.lookup', { 'gateway.cache.users': requests.length });
    const below = span ? { ...call, trace: span } : call;
    const entries = await Promise.all(requests.map((request) => store.get(profileKey(page, request.user))));
    const startedAt = now();
    const ownRequests: ProfileRequest[] = [];
    let dispatch!: (results: Promise<ProfileResult[]>) => void;
    const batch = new Promise<ProfileResult[]>((resolve) => (dispatch = resolve));
    const plans = requests.map((request, i) => plan(request, entries[i], startedAt, ownRequests, batch, { next, call: below }));
    if (ownRequests.length > 0) {
      const results = Promise.resolve()
        .then(async () => (await next(ownRequests, below)).results)
        .catch((error: unknown) => ownRequests.map(() => toError(error)));
      dispatch(results);
    }
    // Stored without delaying the answer. The write is sent as soon as the upstream answer is in,
    // before this answer is, and until it is done later operations of this instance join the
    // lookup rather than read the store. A write that fails costs at most a later miss.
    for (const p of plans) if (p.own) remember(p, p.own, startedAt).catch(() => {});
    const results = await Promise.all(plans.map(answer));
    if (options.observe || span) {
      const outcomes = plans.map((p, i) => outcomeOf(p, results[i]!));
      if (options.observe) outcomes.forEach((outcome) => options.observe!(outcome, call));
      span?.set(countOutcomes(outcomes));
    }
    span?.end();
    return { results };
  }

  return {
    lookup,
    async refresh(user) {
      const key = profileKey(page, user);
      inflight.forget(key);
      await update(key, withRefresh, undefined);
    },
    async dropNoProfile(user) {
      const key = profileKey(page, user);
      inflight.forget(key);
      // A "no profile" entry holds no field, so a refresh is exactly the drop. Its new generation
      // (written for an unknown user too) also discounts a "no profile" that a lookup begun before
      // the message stores late, on any instance. Known fields are left alone.
      await update(key, (entry) => (!entry ? withRefresh({ fields: {} }) : entry.none ? withRefresh(entry) : undefined), undefined);
    },
  };
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

function outcomeOf(plan: Plan, result: ProfileResult): CacheOutcome {
  if ('stale' in result) return 'stale';
  if (plan.none || plan.parts.length === 0) return 'hit';
  if (!plan.own) return 'coalesced';
  return plan.cached.size > 0 ? 'partial' : 'miss';
}

/** Span attributes: how many users each outcome had, e.g. `gateway.cache.hit`. */
function countOutcomes(outcomes: readonly CacheOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[`gateway.cache.${outcome}`] = (counts[`gateway.cache.${outcome}`] ?? 0) + 1;
  return counts;
}

/** Failures a stale value may hide: the Graph API is down, overloaded or throttling (breaker open included). */
function servesStale(error: Error): error is GatewayError {
  return error instanceof GatewayError && (error.code === ErrorCode.UPSTREAM_UNAVAILABLE || error.code === ErrorCode.RATE_LIMITED);
}

function ageSeconds(now: number, at: number): number {
  return Math.max(0, Math.floor((now - at) / 1000));
}

function askAlone({ next, call }: Below, request: ProfileRequest): Promise<ProfileResult> {
  return next([request], call).then((answer) => answer.results[0] ?? missingResult(), toError);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function missingResult(): Error {
  return new Error('FetchProfiles answered fewer results than requests');
}
