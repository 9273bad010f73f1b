import { badUserInput } from '../core/errors.js';
import { parsePsid, type Psid } from '../core/ids.js';

/** Most PSIDs accepted in one `users` call. */
const MAX_PSIDS_PER_CALL = 100;

/** A PSID argument as a Psid, or BAD_USER_INPUT before anything is asked upstream. */
export function validatePsid(psid: string, argument = 'psid'): Psid {
  const valid = parsePsid(psid);
  if (valid === undefined) {
    throw badUserInput('A PSID is 1 to 32 decimal digits.', { argument, value: psid.slice(0, 64) });
  }
  return valid;
}

export function validatePsids(psids: readonly string[]): Psid[] {
  if (psids.length > MAX_PSIDS_PER_CALL) {
    throw badUserInput(`At most ${MAX_PSIDS_PER_CALL} PSIDs per users call, got ${psids.length}.`, {
      argument: 'psids',
    });
  }
  return psids.map((psid) => validatePsid(psid));
}
