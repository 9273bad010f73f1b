import { badUserInput } from '../core/errors.js';
import { parseIgsid, parsePsid, type Igsid, type Psid } from '../core/ids.js';

/** Most PSIDs (or IGSIDs) accepted in one `users` (or `instagramUsers`) call. */
const MAX_PSIDS_PER_CALL = 100;

/** How each kind of user id is checked and named in errors. */
const KINDS = {
  psid: { name: 'PSID', a: 'A', list: 'psids', field: 'users', parse: parsePsid },
  igsid: { name: 'IGSID', a: 'An', list: 'igsids', field: 'instagramUsers', parse: parseIgsid },
} as const;

function validate<K extends keyof typeof KINDS>(kind: K, value: string, argument: string): NonNullable<ReturnType<(typeof KINDS)[K]['parse']>> {
  const valid = KINDS[kind].parse(value);
  if (valid === undefined) {
    throw badUserInput(`${KINDS[kind].a} ${KINDS[kind].name} is 1 to 32 decimal digits.`, { argument, value: value.slice(0, 64) });
  }
  return valid as NonNullable<ReturnType<(typeof KINDS)[K]['parse']>>;
}

function validateList<K extends keyof typeof KINDS>(kind: K, values: readonly string[]): NonNullable<ReturnType<(typeof KINDS)[K]['parse']>>[] {
  const { name, list, field } = KINDS[kind];
  if (values.length > MAX_PSIDS_PER_CALL) {
    throw badUserInput(`At most ${MAX_PSIDS_PER_CALL} ${name}s per ${field} call, got ${values.length}.`, { argument: list });
  }
  return values.map((value) => validate(kind, value, kind));
}

/** A PSID argument as a Psid, or BAD_USER_INPUT before anything is asked upstream. */
export const validatePsid = (psid: string, argument = 'psid'): Psid => validate('psid', psid, argument);
export const validatePsids = (psids: readonly string[]): Psid[] => validateList('psid', psids);

/** An IGSID argument as an Igsid, or BAD_USER_INPUT before anything is asked upstream. */
export const validateIgsid = (igsid: string, argument = 'igsid'): Igsid => validate('igsid', igsid, argument);
export const validateIgsids = (igsids: readonly string[]): Igsid[] => validateList('igsid', igsids);
