import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { ErrorCode, hasCode, type GatewayError } from './errors.js';
import type { GraphField } from './fields.js';
import type { UserRef } from './ids.js';
import type { GraphProfile } from './profile.js';

export interface ProfileRequest {
  /** A Messenger user (PSID) or an Instagram user (IGSID) of the Page: one batch may mix both. */
  readonly user: UserRef;
  /** Graph API field names, e.g. first_name. */
  readonly fields: readonly GraphField[];
}

/** Kinds of value, newest first: fetched from the Graph API for this lookup, a fresh cached one, a stale one. */
export type ValueSource = 'graph-api' | 'cache' | 'stale-cache';

/** Where an outcome's values came from. */
export interface Provenance {
  /** The oldest kind of value the outcome used. */
  readonly source: ValueSource;
  /** When the Graph API lookup that brought the oldest value used began, in ms since the epoch. */
  readonly fetchedAt: number;
}

/**
 * What a lookup yielded for one user: a profile, no profile, or (as an Error) a failure for that
 * user alone. A profile may lack some requested fields, each with the error that explains why.
 * Above the fetch-time layer (chain/layers/fetch-time.ts) every outcome carries its provenance.
 */
export type ProfileOutcome =
  | {
      readonly kind: 'profile';
      readonly data: GraphProfile;
      readonly fieldErrors?: ReadonlyMap<GraphField, GatewayError>;
      readonly provenance?: Provenance | undefined;
    }
  | { readonly kind: 'none'; readonly provenance?: Provenance | undefined };
export type ProfileResult = ProfileOutcome | Error;

/** A failure asking again may cure (the Graph API unreachable, overloaded, or answering nothing usable): what retries re-ask and the breaker counts. */
export const isTransient = (result: ProfileResult): boolean => hasCode(result, ErrorCode.UPSTREAM_UNAVAILABLE) && result.graph?.final !== true;

/** What a layer answers for a list of requests: one result per request, in order. */
export interface Answer {
  readonly results: ProfileResult[];
  /** Headers of the HTTP answer these results came in, when they came in one (usage figures). */
  readonly headers?: IncomingHttpHeaders | undefined;
  /** HTTP status of that answer; undefined when none arrived or the results came from elsewhere. */
  readonly status?: number | undefined;
  /** Set when one HTTP exchange failed as a whole (every result is then this error). */
  readonly failure?: Error | undefined;
  /** Asking again now is pointless (an open breaker): retries stop. */
  readonly final?: boolean;
}

/** Who a lookup is for: decides its share of the Page's quota. */
export interface Caller {
  readonly name: string;
  readonly priority: 'interactive' | 'bulk';
  /** Graph API lookups per minute this caller may cause; undefined: no budget. */
  readonly lookupsPerMinute?: number | undefined;
  /** Ids of the Pages it may read; undefined: every Page. A sign-in token without them names none. */
  readonly pages?: readonly string[] | undefined;
  /** Its series in the caller metrics when not its name: token callers share one, one per person would not scale. */
  readonly metricLabel?: string | undefined;
  /** May probe a Page's field access (`pageStatus(probePsid:)`), which tells whether a PSID exists. */
  readonly operator?: boolean | undefined;
}

/** Travels with a lookup through every layer. */
export interface LookupCall {
  /** Aborts when the lookup's deadline passes; set by the deadline layer. */
  readonly signal?: AbortSignal | undefined;
  /** Told of each HTTP exchange the lookup costs (sub-requests in it): the operation's accounting. */
  readonly charge?: ((subRequests: number) => void) | undefined;
  readonly caller?: Caller | undefined;
  /** The operation's trace when tracing is on: layers open their spans under it. */
  readonly trace?: TraceSpan | undefined;
  /** Which try this is of the sub-requests it carries: 0 first, then one per retry (set by the retry layer). */
  readonly attempt?: number | undefined;
}

/** Attribute values a span carries: never a token, a user id or a profile value. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/**
 * A span of an operation's trace as the layers see it, so that nothing below the observability
 * layer depends on OpenTelemetry (observability/otel.ts implements it).
 */
export interface TraceSpan {
  /** Opens a span under this one; `client` for a call to another service. */
  child(name: string, attributes?: SpanAttributes, kind?: 'internal' | 'client'): TraceSpan;
  set(attributes: SpanAttributes): void;
  /** Marks the span failed with a gateway error code (never a message, which may quote upstream text). */
  fail(code: string): void;
  end(): void;
}

/**
 * The seam every layer shares: from the per-operation loader down to the HTTP client, a Page's
 * lookups are one Lookup wrapped in others.
 */
export type Lookup = (requests: readonly ProfileRequest[], call: LookupCall) => Promise<Answer>;

/** One layer of a Page's chain, as undici composes interceptors: it gets the next and returns itself. */
export type LookupLayer = (next: Lookup) => Lookup;

/** `layers[0]` outermost, `last` innermost; absent (switched-off) layers are skipped. */
export function compose(layers: readonly (LookupLayer | undefined)[], last: Lookup): Lookup {
  return layers.reduceRight<Lookup>((next, layer) => (layer ? layer(next) : next), last);
}

/**
 * Asks `next` again for the requests at `indexes` only (a batch's chunk, the retried failures, a
 * degraded round). Its `k`th result belongs to `requests[indexes[k]]`: placeSubset puts it there.
 */
export function askSubset(
  next: Lookup,
  requests: readonly ProfileRequest[],
  indexes: readonly number[],
  call: LookupCall,
): Promise<Answer> {
  return next(
    indexes.map((i) => requests[i]!),
    call,
  );
}

/** Puts each result of askSubset's answer back at the index of the request it answers. */
export function placeSubset<T extends ProfileResult | undefined>(
  results: T[],
  indexes: readonly number[],
  answered: readonly ProfileResult[],
): void {
  indexes.forEach((i, k) => (results[i] = answered[k]! as T));
}
