import type { EmulatedError } from './graph-errors.js';
import { GraphErrors } from './graph-errors.js';

/** Every User field the emulator knows, including those removed in v3.2. */
export interface EmulatedProfile {
  readonly first_name: string;
  readonly last_name: string;
  readonly profile_pic: string;
  readonly locale: string;
  readonly timezone: number;
  readonly gender: string;
  readonly is_payment_enabled?: boolean;
  readonly last_ad_referral?: { readonly source: string; readonly type: string; readonly ad_id: string };
}

/** How the emulator answers for one PSID. */
export type UserRecord =
  | { readonly kind: 'profile'; readonly profile: EmulatedProfile }
  /** Not authorized (never messaged the Page, or revoked): `{}`, or only `id` when idOnly. */
  | { readonly kind: 'unauthorized'; readonly idOnly?: boolean }
  | { readonly kind: 'error'; readonly error: () => EmulatedError };

export const DEMO_PAGE_ID = '104285395231234';
export const DEMO_PAGE_TOKEN = 'EMULATOR-DEMO-PAGE-TOKEN';

/** PSIDs of the hand-written demo users. */
export const DEMO_PSIDS = {
  /** The user of the 2016 User Profile doc. */
  peter: '1254459154682919',
  /** Timezone +5.5. */
  fractional: '2254459154682919',
  /** Never authorized: `{}`. */
  unauthorized: '3254459154682919',
  /** Revoked access: only `id`. */
  revoked: '3254459154682920',
  /** Phone-number-only account: 100/2018218. */
  phoneOnly: '4254459154682919',
  /** Deleted account: 100/2018001. */
  deleted: '5254459154682919',
  /** Blocked the Page: 551. */
  blocked: '6254459154682919',
} as const;

/** First PSID of the generated users; GENERATED_USERS of them follow consecutively. */
const FIRST_GENERATED_PSID = 7000000000000000n;
const GENERATED_USERS = 500;

export function generatedPsid(i: number): string {
  return (FIRST_GENERATED_PSID + BigInt(i)).toString();
}

const FIRST = ['Ana', 'Bilal', 'Chen', 'Dara', 'Elif', 'Femi', 'Gita', 'Hugo', 'Ines', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya'];
const LAST = ['Silva', 'Khan', 'Wei', 'Murphy', 'Yilmaz', 'Adeyemi', 'Rao', 'Martin', 'Costa', 'Park', 'Mensah', 'Novak', 'Garcia', 'Okafor', 'Haddad', 'Raman'];
const LOCALES = ['en_US', 'pt_BR', 'zh_CN', 'en_GB', 'tr_TR', 'en_NG', 'hi_IN', 'fr_FR', 'es_ES', 'ko_KR'];
const TIMEZONES = [-7, -3, 8, 0, 3, 1, 5.5, 1, 2, 9, 5.75, -9.5];
const GENDERS = ['male', 'female'];

function picture(psid: string, expiresAt: number): string {
  return `https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=${psid}&width=1024&ext=${expiresAt}&hash=AT${psid.slice(-6)}`;
}

/**
 * The demo Page's users. Profile picture URLs embed an expiry (`ext`, Unix seconds) three days
 * after `now`, as the real ones do.
 */
export function demoUsers(now = Date.now()): Map<string, UserRecord> {
  const expiresAt = Math.floor(now / 1000) + 3 * 24 * 3600;
  const users = new Map<string, UserRecord>([
    [
      DEMO_PSIDS.peter,
      {
        kind: 'profile',
        profile: {
          first_name: 'Peter',
          last_name: 'Chang',
          profile_pic: picture(DEMO_PSIDS.peter, expiresAt),
          locale: 'en_US',
          timezone: -7,
          gender: 'male',
          is_payment_enabled: true,
          last_ad_referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433' },
        },
      },
    ],
    [
      DEMO_PSIDS.fractional,
      {
        kind: 'profile',
        profile: {
          first_name: 'Priya',
          last_name: 'Raman',
          profile_pic: picture(DEMO_PSIDS.fractional, expiresAt),
          locale: 'en_IN',
          timezone: 5.5,
          gender: 'female',
          is_payment_enabled: false,
        },
      },
    ],
    [DEMO_PSIDS.unauthorized, { kind: 'unauthorized' }],
    [DEMO_PSIDS.revoked, { kind: 'unauthorized', idOnly: true }],
    [DEMO_PSIDS.phoneOnly, { kind: 'error', error: GraphErrors.noProfile }],
    [DEMO_PSIDS.deleted, { kind: 'error', error: GraphErrors.noMatchingUser }],
    [DEMO_PSIDS.blocked, { kind: 'error', error: GraphErrors.blockedByUser }],
  ]);
  for (let i = 0; i < GENERATED_USERS; i++) {
    const psid = generatedPsid(i);
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    users.set(psid, {
      kind: 'profile',
      profile: {
        first_name: first,
        last_name: last,
        profile_pic: picture(psid, expiresAt),
        locale: LOCALES[i % LOCALES.length]!,
        timezone: TIMEZONES[i % TIMEZONES.length]!,
        gender: GENDERS[i % GENDERS.length]!,
      },
    });
  }
  return users;
}
