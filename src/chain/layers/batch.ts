import { upstreamUnavailable } from '../../core/errors.js';
import { classifyGraphError, errorEnvelope, NO_PROFILE } from '../../graph-api/classify.js';
import { MAX_BATCH_SIZE, type GraphClient } from '../../graph-api/client.js';
import { parseJson } from '../../graph-api/json.js';
import { askSubset, placeSubset, type Lookup, type LookupLayer, type ProfileRequest, type ProfileResult } from '../../core/lookup.js';
import type { BatchEntry } from '../../core/profile.js';

/**
 * The innermost Lookup: up to 50 users in one batch call, each a `GET {psid or igsid}?fields=…`
 * sub-request; one result per request, in order. Never throws for upstream trouble.
 */
export function sendBatch(client: GraphClient): Lookup {
  return async (requests, { signal, charge }) => {
    const answer = await client.batch(requests.map(relativeUrl), signal);
    charge?.(requests.length);
    const { headers, status } = answer;
    if (!answer.ok) return { results: requests.map(() => answer.error), headers, status, failure: answer.error };
    return { results: answer.entries.map(toResult), headers, status };
  };
}

/** The only place a user id enters a URL; ProfileRequest.user holds a validated Psid or Igsid. */
function relativeUrl({ user, fields }: ProfileRequest): string {
  return `${user.id}?fields=${fields.join(',')}`;
}

/**
 * Splits a lookup into batches of at most 50 sub-requests, sent concurrently. A request with no
 * fields left (all known to be unreadable) is answered with an empty profile and never sent.
 */
export function batches(): LookupLayer {
  return (next) => async (requests, call) => {
    const results: ProfileResult[] = requests.map(() => ({ kind: 'profile', data: {} }));
    const asking = requests.flatMap((request, i) => (request.fields.length > 0 ? [i] : []));
    const chunks: number[][] = [];
    for (let start = 0; start < asking.length; start += MAX_BATCH_SIZE) chunks.push(asking.slice(start, start + MAX_BATCH_SIZE));
    await Promise.all(
      chunks.map(async (chunk) => {
        const answered = await askSubset(next, requests, chunk, call);
        placeSubset(results, chunk, answered.results);
      }),
    );
    return { results };
  };
}

function toResult(entry: BatchEntry): ProfileResult {
  if (entry === null) return upstreamUnavailable('The Graph API did not finish this lookup in time');
  const body = parseJson(entry.body);
  // An error envelope is an error whatever the entry's code: code 200 with one is seen.
  const envelope = errorEnvelope(body);
  if (!envelope && entry.code === 200 && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    return { kind: 'profile', data: body };
  }
  if (!envelope) {
    return upstreamUnavailable(`Unusable answer for a lookup (HTTP ${entry.code})`);
  }
  const classified = classifyGraphError(entry.code, envelope);
  return classified === NO_PROFILE ? { kind: 'none' } : classified;
}
