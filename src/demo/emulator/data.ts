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

/** Every Instagram user field the emulator knows; `name` and `profile_pic` are null when not set. */
interface EmulatedInstagramProfile {
  readonly name: string | null;
  readonly username: string;
  readonly profile_pic: string | null;
  readonly follower_count: number;
  readonly is_verified_user: boolean;
  readonly is_user_follow_business: boolean;
  readonly is_business_follow_user: boolean;
}

/** How the emulator answers for one IGSID. */
export type InstagramRecord =
  | { readonly kind: 'profile'; readonly profile: EmulatedInstagramProfile }
  /** Only commented, never messaged: 230 "User consent is required to access user profile". */
  | { readonly kind: 'no-consent' }
  /** Blocked the business: an answer without fields. */
  | { readonly kind: 'blocked' }
  /** Deleted account: 9010. */
  | { readonly kind: 'deleted' };

export const DEMO_PAGE_ID = '104285395231234';
/** The Instagram professional account linked to the demo Page. */
export const DEMO_INSTAGRAM_ACCOUNT_ID = '17841400000000001';

/** IGSIDs of the demo Instagram users. */
export const DEMO_IGSIDS = {
  /** Every field. */
  full: '6620000000000001',
  /** Only commented on a post: no consent. */
  noConsent: '6620000000000002',
  /** Blocked the business. */
  blocked: '6620000000000003',
  /** follower_count 0 (a real 0, not a missing value). */
  noFollowers: '6620000000000004',
  /** Only a username: name and profile_pic null. */
  usernameOnly: '6620000000000005',
} as const;

/** First IGSID of the generated Instagram users (benchmarks); GENERATED_USERS of them follow. */
const FIRST_GENERATED_IGSID = 6630000000000000n;

export function generatedIgsid(i: number): string {
  return (FIRST_GENERATED_IGSID + BigInt(i)).toString();
}

/** Instagram's CDN puts the expiry in `oe`, hex Unix seconds. */
function instagramPicture(igsid: string, expiresAt: number): string {
  return `https://scontent.cdninstagram.com/v/t51.2885-19/${igsid}_n.jpg?stp=dst-jpg_s206x206&_nc_ht=scontent.cdninstagram.com&oe=${expiresAt.toString(16).toUpperCase()}&oh=00_AY${igsid.slice(-6)}`;
}

const profile = (p: EmulatedInstagramProfile): InstagramRecord => ({ kind: 'profile', profile: p });

/** The demo Instagram account's users, pictures expiring three days after `now`. */
export function demoInstagramUsers(now = Date.now()): Map<string, InstagramRecord> {
  const expiresAt = Math.floor(now / 1000) + 3 * 24 * 3600;
  const base = { is_verified_user: false, is_user_follow_business: false, is_business_follow_user: false };
  const users = new Map<string, InstagramRecord>([
    [
      DEMO_IGSIDS.full,
      profile({
        name: 'Marta Souza',
        username: 'marta.souza',
        profile_pic: instagramPicture(DEMO_IGSIDS.full, expiresAt),
        follower_count: 1824,
        is_verified_user: true,
        is_user_follow_business: true,
        is_business_follow_user: false,
      }),
    ],
    [DEMO_IGSIDS.noConsent, { kind: 'no-consent' }],
    [DEMO_IGSIDS.blocked, { kind: 'blocked' }],
    [
      DEMO_IGSIDS.noFollowers,
      profile({ ...base, name: 'Ola Berg', username: 'ola_berg', profile_pic: instagramPicture(DEMO_IGSIDS.noFollowers, expiresAt), follower_count: 0 }),
    ],
    [DEMO_IGSIDS.usernameOnly, profile({ ...base, name: null, username: 'k.tanaka', profile_pic: null, follower_count: 12 })],
  ]);
  for (let i = 0; i < GENERATED_USERS; i++) {
    const igsid = generatedIgsid(i);
    const name = `${FIRST[i % FIRST.length]!} ${LAST[Math.floor(i / FIRST.length) % LAST.length]!}`;
    users.set(
      igsid,
      profile({ ...base, name, username: name.toLowerCase().replace(' ', '.'), profile_pic: instagramPicture(igsid, expiresAt), follower_count: i * 7 }),
    );
  }
  return users;
}
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
