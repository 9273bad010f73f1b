import { isNumericId } from '../config.js';
import { badUserInput } from '../errors.js';

/** Most PSIDs accepted in one `users` call. */
export const MAX_PSIDS_PER_CALL = 100;

/**
 * A PSID is 1–32 decimal digits. Checking this before any upstream call keeps paths such as
 * `me`, `123/accounts` or `../v25.0/me` out of the batch's relative URLs.
 */
export function validatePsid(psid: string): string {
  if (!isNumericId(psid)) {
    throw badUserInput('A PSID is 1 to 32 decimal digits.', { argument: 'psid', value: psid.slice(0, 64) });
  }
  return psid;
}

export function validatePsids(psids: readonly string[]): readonly string[] {
  if (psids.length > MAX_PSIDS_PER_CALL) {
    throw badUserInput(`At most ${MAX_PSIDS_PER_CALL} PSIDs per users call, got ${psids.length}.`, {
      argument: 'psids',
    });
  }
  psids.forEach(validatePsid);
  return psids;
}
