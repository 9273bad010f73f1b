import { ErrorCode, fieldUnavailable, hasCode, permissionRequired } from '../core/errors.js';
import type { Capabilities, FieldAccess, ProbeResult } from '../pages/capabilities.js';
import { byPermission, fieldFacts, isGraphField, type GraphField } from '../core/fields.js';
import type { UserRef } from '../core/ids.js';
import type { Lookup, LookupCall } from '../core/lookup.js';

/**
 * Learns now which of `fields` the app may read, in one batch call: one sub-request per permission
 * for one user, so each answer speaks for its own permission (100/2018247 names none). What it
 * learns is remembered in `capabilities`, as lookups' findings are. `lookup` is the part of the
 * chain below degradation and the cache: neither the cache nor what is remembered may answer.
 */
export async function probeAccess(
  lookup: Lookup,
  capabilities: Capabilities,
  { user, fields, graphApiVersion }: { user: UserRef; fields: readonly GraphField[]; graphApiVersion: string },
  call: LookupCall,
): Promise<ProbeResult> {
  const { platform } = user;
  const groups = byPermission(fields, platform);
  const { results } = await lookup(
    groups.map((group) => ({ user, fields: group })),
    call,
  );
  const learnt = new Map<GraphField, FieldAccess>();
  let failure: Error | undefined;
  // A group answered `{}` tells nothing for a user without a profile; once any group has shown the
  // user's profile, a group answered without its fields means the user simply lacks them.
  const profileSeen = results.some(
    (result, k) => !(result instanceof Error) && result.kind === 'profile' && groups[k]!.some((f) => result.data[f] !== undefined),
  );
  results.forEach((result, k) => {
    const group = groups[k]!;
    if (hasCode(result, ErrorCode.PERMISSION_REQUIRED)) {
      const named = typeof result.extensions.permission === 'string' ? result.extensions.permission : undefined;
      for (const field of group) learnt.set(field, permissionRequired(fieldFacts(field, platform), named));
    } else if (hasCode(result, ErrorCode.FIELD_UNAVAILABLE)) {
      const missing = result.extensions.graphField;
      if (typeof missing === 'string' && isGraphField(missing)) learnt.set(missing, fieldUnavailable(fieldFacts(missing, platform), graphApiVersion));
    } else if (result instanceof Error) {
      failure ??= result;
    } else if (result.kind === 'profile' && profileSeen) {
      for (const field of group) learnt.set(field, 'available');
    }
  });
  const readable: GraphField[] = [];
  for (const [field, access] of learnt) {
    if (access === 'available') readable.push(field);
    else capabilities.remember(field, access);
  }
  capabilities.readable(readable);
  return learnt.size > 0 ? { learnt } : { learnt, failure };
}
