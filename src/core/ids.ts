declare const psidBrand: unique symbol;

/**
 * A page-scoped user id that passed validation. Only `parsePsid` makes one, and everything that
 * builds an upstream URL takes one, so an unchecked string cannot reach the Graph API.
 */
export type Psid = string & { readonly [psidBrand]: true };

const NUMERIC_ID = /^\d{1,32}$/;

/** Whether a string is a Graph object id as the gateway accepts them (PSIDs, Page ids): 1–32 digits. */
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
