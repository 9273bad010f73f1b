import { createHash } from 'node:crypto';
import { userKey, type UserRef } from '../core/ids.js';

// Bumped when the stored entry format changes, so instances of two versions never read each
// other's entries.
const FORMAT = 'v1';
const PREFIX = `messenger-profile:${FORMAT}`;
// Domain separation: this hash of the token is only ever a cache key, never comparable with a
// hash of the token made for any other purpose.
const PAGE_KEY_DOMAIN = 'messenger-profile-gateway/page-key\0';

/**
 * The non-secret identity of the Page whose users the cache holds: the configured Page ID, or else
 * the first 16 hex digits of SHA-256 over a domain prefix and the token. The hash keeps the token
 * out of Redis while two instances configured with the same token still share entries; a new token
 * for the same Page starts a new cache unless PAGE_ID is set.
 */
export function pageKey(page: { readonly pageId?: string | undefined; readonly accessToken: string }): string {
  if (page.pageId !== undefined) return `page-${page.pageId}`;
  return `token-${createHash('sha256').update(PAGE_KEY_DOMAIN).update(page.accessToken).digest('hex').slice(0, 16)}`;
}

/**
 * The store key of one user's cached profile: (page, user), never the token. A PSID keeps the key
 * it always had; an IGSID's starts with `ig-`, so the two never share an entry.
 */
export function profileKey(page: string, user: UserRef): string {
  return `${PREFIX}:${page}:${userKey(user)}`;
}

/**
 * The Redis key saying until when (ms since the epoch) the Graph API throttles a Page, shared by
 * every instance. Keyed by the Page, never by its token; apart from profile keys, whose Page part
 * starts with `page-` or `token-`.
 */
export function throttleKey(page: string): string {
  return `${PREFIX}:throttle:${page}`;
}

/** The prefix of a caller's budget counters in Redis; the counter of one Page adds `:<page>`. */
export function budgetKeyPrefix(caller: string): string {
  return `${PREFIX}:budget:${caller}`;
}

/**
 * The store key of one user's picture bytes: (page, kind of user id, user id), like a profile's,
 * never the token; apart from profile keys, whose Page part starts with `page-` or `token-`.
 */
export function avatarKey(page: string, kind: string, userId: string): string {
  return `${PREFIX}:avatar:${page}:${kind}:${userId}`;
}
