import { hash, timingSafeEqual } from 'node:crypto';

/** True when an Authorization header carries one of the configured keys as a Bearer token. */
export type BearerCheck = (authorization: string | undefined) => boolean;

/** Who an Authorization header's Bearer key stands for; undefined for no key or an unknown one. */
export type BearerLookup<T> = (authorization: string | undefined) => T | undefined;

const BEARER = /^Bearer +(\S+) *$/i;

// One-shot hashing: about half the cost of a Hash object, on every request.
const digest = (value: string) => hash('sha256', value, 'buffer');

/**
 * A constant-time lookup of `Authorization: Bearer <key>` among keys, each standing for someone.
 * Keys are compared as SHA-256 digests, so timingSafeEqual always sees equal lengths and the time
 * taken says nothing about a key's length or content; every key is compared, whichever matches,
 * so it says nothing about which one did either. Keys must be distinct (config.ts checks).
 */
export function bearerLookup<T>(keys: readonly (readonly [key: string, who: T])[]): BearerLookup<T> {
  if (keys.length === 0) throw new TypeError('bearerLookup needs at least one key');
  const expected = keys.map(([key, who]) => ({ digest: digest(key), who }));
  return (authorization) => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    const given = digest(token ?? '');
    let found: T | undefined;
    for (const key of expected) if (timingSafeEqual(key.digest, given)) found = key.who;
    return token === undefined ? undefined : found;
  };
}

/** bearerLookup for keys that stand for no one in particular (the metrics key). */
export function bearerCheck(keys: readonly string[]): BearerCheck {
  if (keys.length === 0) throw new TypeError('bearerCheck needs at least one key');
  const lookup = bearerLookup(keys.map((key) => [key, true] as const));
  return (authorization) => lookup(authorization) ?? false;
}

/** Looks like a JWS in compact form (three base64url parts): only such a Bearer value is checked as a sign-in token. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Who a request's Authorization stands for: an API key first (constant time, no await), else a
 * sign-in token when the gateway accepts them.
 */
export function bearerOrToken<T>(keys: BearerLookup<T> | undefined, verifyToken: (token: string) => Promise<T | undefined>): (authorization: string | undefined) => Promise<T | undefined> {
  return async (authorization) => {
    const byKey = keys?.(authorization);
    if (byKey !== undefined) return byKey;
    const token = BEARER.exec(authorization ?? '')?.[1];
    return token !== undefined && COMPACT_JWS.test(token) ? verifyToken(token) : undefined;
  };
}
