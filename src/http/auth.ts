import { createHash, timingSafeEqual } from 'node:crypto';

/** True when an Authorization header carries one of the configured keys as a Bearer token. */
export type BearerCheck = (authorization: string | undefined) => boolean;

const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A constant-time check of `Authorization: Bearer <key>` against a set of keys. Keys are compared
 * as SHA-256 digests, so timingSafeEqual always sees equal lengths and the time taken says nothing
 * about a key's length or content; every key is compared, so it says nothing about which matched.
 */
export function bearerCheck(keys: readonly string[]): BearerCheck {
  if (keys.length === 0) throw new TypeError('bearerCheck needs at least one key');
  const expected = keys.map(digest);
  return (authorization) => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    const given = digest(token ?? '');
    let match = false;
    for (const key of expected) match = timingSafeEqual(key, given) || match;
    return token !== undefined && match;
  };
}
