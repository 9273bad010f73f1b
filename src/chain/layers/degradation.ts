import { ErrorCode, fieldUnavailable, GatewayError, hasCode, permissionRequired } from '../../core/errors.js';
import type { Capabilities } from '../../pages/capabilities.js';
import { byPermission, fieldFacts, isGraphField, type GraphField } from '../../core/fields.js';
import {
  askSubset,
  placeSubset,
  type Lookup,
  type LookupCall,
  type LookupLayer,
  type ProfileRequest,
  type ProfileResult,
} from '../../core/lookup.js';
import type { Platform } from '../../core/ids.js';

/** What is learnt of each platform's fields: a Messenger `name` and an Instagram `name` take different permissions. */
export type PlatformCapabilities = Readonly<Record<Platform, Capabilities>>;

const MAX_DEGRADE_ROUNDS = 10;

/** 2018247 does not say which permission is missing; the fields that need none are probed together. */
const isPermissionProbeCandidate = (result: ProfileResult) =>
  hasCode(result, ErrorCode.PERMISSION_REQUIRED) && result.graph?.subcode === 2018247;

type MutableRequest = { user: ProfileRequest['user']; fields: GraphField[] };

/**
 * Consent-aware degradation: trades a failed lookup for the fields that can be had plus a typed
 * error for each one that cannot. Fields known to be unreadable are left out up front; a field the
 * version lacks is dropped and the rest asked again; an unnamed missing permission is found by
 * asking each permission-gated field alone, beside the basic fields. What is learnt is remembered
 * in `capabilities`.
 */
export function degradation(capabilities: PlatformCapabilities, graphApiVersion: string): LookupLayer {
  return (next) => async (requests, call) => {
    // Most lookups learn nothing and know nothing missing; they allocate nothing here.
    let fieldErrors: Map<GraphField, GatewayError>[] | undefined;
    const errorsOf = (i: number) => (fieldErrors ??= requests.map(() => new Map<GraphField, GatewayError>()))[i]!;
    let asked = requests;
    if (capabilities.messenger.knowsAny() || capabilities.instagram.knowsAny()) {
      asked = requests.map((request, i) => {
        const fields = request.fields.filter((field) => {
          const known = capabilities[request.user.platform].missingError(field);
          if (known) errorsOf(i).set(field, known);
          return !known;
        });
        return fields.length === request.fields.length ? request : { user: request.user, fields };
      });
    }
    const results = instagramPermissions((await next(asked, call)).results, asked, capabilities.instagram, errorsOf);
    let final = asked;
    if (results.some(degradable)) {
      const mutable = asked.map(({ user, fields }) => ({ user, fields: [...fields] }));
      await degrade({ next, call, capabilities, graphApiVersion }, mutable, results, errorsOf);
      final = mutable;
    }
    const errors = fieldErrors;
    const read = { messenger: new Set<GraphField>(), instagram: new Set<GraphField>() };
    const answered = results.map((result, i) => {
      if (result instanceof Error || result.kind !== 'profile') return result;
      // `{}` (or only `id`) says nothing about access: the user has no profile to read.
      const { fields, user } = final[i]!;
      if (fields.some((field) => result.data[field] !== undefined)) for (const field of fields) read[user.platform].add(field);
      const own = errors?.[i];
      return own && own.size > 0 ? { ...result, fieldErrors: own } : result;
    });
    capabilities.messenger.readable(read.messenger);
    capabilities.instagram.readable(read.instagram);
    return { results: answered };
  };
}

/**
 * One permission covers every Instagram field, so an Instagram lookup refused for a permission
 * becomes that error on each field asked (naming the permission the Graph API named, or the
 * catalog's), remembered like any field the app cannot read.
 */
function instagramPermissions(
  results: ProfileResult[],
  requests: readonly ProfileRequest[],
  capabilities: Capabilities,
  fieldErrors: (i: number) => Map<GraphField, GatewayError>,
): ProfileResult[] {
  const refused = (result: ProfileResult, i: number) => requests[i]!.user.platform === 'instagram' && hasCode(result, ErrorCode.PERMISSION_REQUIRED);
  if (!results.some(refused)) return results;
  return results.map((result, i) => {
    const request = requests[i]!;
    if (!refused(result, i) || !(result instanceof GatewayError)) return result;
    const named = typeof result.extensions.permission === 'string' ? result.extensions.permission : undefined;
    for (const field of request.fields) {
      const error = permissionRequired(fieldFacts(field, 'instagram'), named);
      capabilities.remember(field, error);
      fieldErrors(i).set(field, error);
    }
    return { kind: 'profile', data: {} };
  });
}

/** A failure that concerns some fields only: a field the version lacks, or an unnamed missing permission. */
const degradable = (result: ProfileResult) =>
  (hasCode(result, ErrorCode.FIELD_UNAVAILABLE) && typeof result.extensions.graphField === 'string') || isPermissionProbeCandidate(result);

interface Round {
  readonly next: Lookup;
  readonly call: LookupCall;
  readonly capabilities: PlatformCapabilities;
  readonly graphApiVersion: string;
}

/** Turns whole-lookup failures that concern some fields only into per-field errors. */
async function degrade(
  round: Round,
  requests: MutableRequest[],
  results: ProfileResult[],
  fieldErrors: (i: number) => Map<GraphField, GatewayError>,
): Promise<void> {
  const { next, call, capabilities, graphApiVersion } = round;
  // Each round removes at least one field from a request, so a handful of rounds is enough.
  for (let n = 0; n < MAX_DEGRADE_ROUNDS; n++) {
    const retryIndexes: number[] = [];
    const probeIndexes: number[] = [];
    results.forEach((result, i) => {
      const missing = hasCode(result, ErrorCode.FIELD_UNAVAILABLE) ? result.extensions.graphField : undefined;
      const request = requests[i]!;
      if (typeof missing === 'string' && isGraphField(missing) && request.fields.includes(missing)) {
        const error = fieldUnavailable(fieldFacts(missing, request.user.platform), graphApiVersion);
        capabilities[request.user.platform].remember(missing, error);
        fieldErrors(i).set(missing, error);
        request.fields = request.fields.filter((f) => f !== missing);
        retryIndexes.push(i);
      } else if (isPermissionProbeCandidate(result) && request.fields.length > 0) {
        probeIndexes.push(i);
      }
    });
    if (retryIndexes.length === 0 && probeIndexes.length === 0) return;
    const [retried] = await Promise.all([
      askSubset(next, requests, retryIndexes, call),
      probePermissions(
        round,
        probeIndexes.map((i) => requests[i]!),
      ).then((probed) =>
        probed.forEach(({ result, denied }, k) => {
          const i = probeIndexes[k]!;
          results[i] = result;
          for (const field of denied) fieldErrors(i).set(field, permissionRequired(fieldFacts(field)));
          requests[i]!.fields = requests[i]!.fields.filter((f) => !denied.includes(f));
        }),
      ),
    ]);
    placeSubset(results, retryIndexes, retried.results);
  }
}

/** One more batch: per user, the fields sharing a permission together, each group alone. */
async function probePermissions(
  { next, call, capabilities }: Round,
  requests: readonly ProfileRequest[],
): Promise<{ result: ProfileResult; denied: GraphField[] }[]> {
  const groups = requests.map((request) => byPermission(request.fields));
  const subRequests = groups.flatMap((fieldGroups, i) => fieldGroups.map((fields) => ({ user: requests[i]!.user, fields })));
  const { results: answers } = subRequests.length > 0 ? await next(subRequests, call) : { results: [] };
  let at = 0;
  return groups.map((fieldGroups) => {
    const denied: GraphField[] = [];
    let data = {};
    let failure: ProfileResult | undefined;
    for (const fields of fieldGroups) {
      const answer = answers[at++]!;
      if (isPermissionProbeCandidate(answer)) {
        for (const field of fields) {
          denied.push(field);
          capabilities.messenger.remember(field, permissionRequired(fieldFacts(field)));
        }
      } else if (answer instanceof Error || answer.kind === 'none') {
        failure ??= answer;
      } else {
        data = { ...data, ...answer.data };
      }
    }
    return { result: failure ?? { kind: 'profile', data }, denied };
  });
}
