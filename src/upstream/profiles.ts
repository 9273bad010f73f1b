import type { GatewayError } from '../errors.js';
import { upstreamUnavailable } from '../errors.js';
import type { GraphField } from '../profile/fields.js';
import { classifyGraphError, errorEnvelope, NO_PROFILE } from './classify.js';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { parseJson, type GraphClient } from './client.js';
import type { BatchEntry, GraphProfile } from './types.js';

export interface ProfileRequest {
  readonly psid: string;
  /** Graph API field names, e.g. first_name. */
  readonly fields: readonly GraphField[];
}

/**
 * What a lookup yielded for one user: a profile, no profile, or (as an Error) a failure for that
 * user alone. A profile may lack some requested fields, each with the error that explains why.
 */
export type ProfileOutcome =
  | {
      readonly kind: 'profile';
      readonly data: GraphProfile;
      readonly fieldErrors?: ReadonlyMap<GraphField, GatewayError>;
    }
  | { readonly kind: 'none' };
export type ProfileResult = ProfileOutcome | Error;

/**
 * The seam between the per-operation loader and whatever answers it: one result per request, in
 * order. Layers (resilience, cache) wrap one FetchProfiles into another.
 */
export type FetchProfiles = (requests: readonly ProfileRequest[]) => Promise<ProfileResult[]>;

/** What one HTTP exchange yielded: a result per request, and the answer's headers if any came. */
export interface Exchange {
  readonly results: ProfileResult[];
  readonly headers: IncomingHttpHeaders | undefined;
  /** Set when the exchange failed as a whole (every result is this error). */
  readonly failure: Error | undefined;
}

/** Looks up to 50 users in one batch call; one result per request, in order. */
export async function exchangeProfiles(
  client: GraphClient,
  requests: readonly ProfileRequest[],
  signal?: AbortSignal,
): Promise<Exchange> {
  const answer = await client.batch(
    requests.map(({ psid, fields }) => `${psid}?fields=${fields.join(',')}`),
    signal,
  );
  if (!answer.ok) return { results: requests.map(() => answer.error), headers: answer.headers, failure: answer.error };
  return { results: answer.entries.map(toResult), headers: answer.headers, failure: undefined };
}

function toResult(entry: BatchEntry): ProfileResult {
  if (entry === null) return upstreamUnavailable('The Graph API did not finish this lookup in time');
  const body = parseJson(entry.body);
  if (entry.code === 200 && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    return { kind: 'profile', data: body as GraphProfile };
  }
  const envelope = errorEnvelope(body);
  if (!envelope) {
    return upstreamUnavailable(`Unusable answer for a lookup (HTTP ${entry.code})`);
  }
  const classified = classifyGraphError(entry.code, envelope);
  return classified === NO_PROFILE ? { kind: 'none' } : classified;
}
