declare const psidBrand: unique symbol;
declare const igsidBrand: unique symbol;

/**
 * A page-scoped user id that passed validation. Only `parsePsid` makes one, and everything that
 * builds an upstream URL takes one, so an unchecked string cannot reach the Graph API.
 */
export type Psid = string & { readonly [psidBrand]: true };

/** An Instagram-scoped user id (IGSID) that passed validation; only `parseIgsid` makes one. */
export type Igsid = string & { readonly [igsidBrand]: true };

/** Whose profile a lookup reads: a Messenger user of the Page, or an Instagram user of its linked account. */
export type Platform = 'messenger' | 'instagram';

/**
 * One user of a Page. Both kinds of id are Graph object ids read the same way with the same Page
 * token, so they share one chain; the platform keeps their cache entries, field catalogs and
 * learnt capabilities apart.
 */
export type UserRef = { readonly platform: 'messenger'; readonly id: Psid } | { readonly platform: 'instagram'; readonly id: Igsid };

const NUMERIC_ID = /^\d{1,32}$/;

/** Whether a string is a Graph object id as the gateway accepts them (PSIDs, IGSIDs, Page ids): 1–32 digits. */
export function isNumericId(value: string): boolean {
  return NUMERIC_ID.test(value);
}

/**
 * The PSID, or undefined when the string is not 1–32 decimal digits. This keeps paths such as
 * `me`, `123/accounts` or `../v25.0/me` out of the batch's relative URLs.
 */
export function parsePsid(value: string): Psid | undefined {
  return isNumericId(value) ? (value as Psid) : undefined;
}

/** The IGSID, or undefined when the string is not 1–32 decimal digits (same rule, same reason). */
export function parseIgsid(value: string): Igsid | undefined {
  return isNumericId(value) ? (value as Igsid) : undefined;
}

export const messengerUser = (psid: Psid): UserRef => ({ platform: 'messenger', id: psid });
export const instagramUser = (igsid: Igsid): UserRef => ({ platform: 'instagram', id: igsid });

/** A string naming the user uniquely across platforms (a PSID and an IGSID may share digits). */
export function userKey(user: UserRef): string {
  return user.platform === 'messenger' ? user.id : `ig-${user.id}`;
}
