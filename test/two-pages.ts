import { demoUsers } from '../src/demo/emulator/data.js';
import type { StackOptions } from './helpers.js';
import { DEMO_PSIDS } from './helpers.js';

/** Fixtures of the Page-scope suites: two Pages, Peter a user of the first, Alice of the second. */
export const P1 = '111111111111111';
export const P2 = '222222222222222';
/** A Page the gateway does not serve. */
export const P3 = '333333333333333';
export const PETER = DEMO_PSIDS.peter;
export const ALICE = '9100000000000001';

/** The emulator and PAGES settings for P1 and P2; `env` adds to them. */
export function twoPages(env: Record<string, string | undefined> = {}): StackOptions {
  return {
    emulator: {
      pages: [
        { id: P1, token: 'EAAB-page-one-token', users: demoUsers() },
        {
          id: P2,
          token: 'EAAB-page-two-token',
          users: new Map([[ALICE, { kind: 'profile', profile: { first_name: 'Alice', last_name: 'Ng', profile_pic: 'https://x/p', locale: 'en_GB', timezone: 0, gender: 'female' } }]]),
        },
      ],
    },
    env: {
      PAGE_ACCESS_TOKEN: undefined,
      PAGES: JSON.stringify({ [P1]: { token: 'EAAB-page-one-token' }, [P2]: { token: 'EAAB-page-two-token' } }),
      ...env,
    },
  };
}
