import { versionBefore } from '../config.js';
import type { MessengerProfile } from '../generated/graphql.js';
import type { GraphProfile } from '../upstream/types.js';

/** A field of the GraphQL MessengerProfile type. */
export type ProfileField = Exclude<keyof MessengerProfile, '__typename'>;
/** The Graph API User field behind it. */
export type GraphField = Exclude<keyof GraphProfile, 'id'>;

interface FieldSpec {
  readonly graph: GraphField;
  /** Permission the Page's app needs besides Business Asset User Profile Access. */
  readonly permission?: string;
  /** First Graph API version without the field. */
  readonly removedIn?: string;
}

/** GraphQL field → Graph API field, with what reading it takes. */
export const PROFILE_FIELDS = {
  firstName: { graph: 'first_name' },
  lastName: { graph: 'last_name' },
  name: { graph: 'name' },
  profilePic: { graph: 'profile_pic' },
  locale: { graph: 'locale', permission: 'pages_user_locale' },
  timezone: { graph: 'timezone', permission: 'pages_user_timezone' },
  gender: { graph: 'gender', permission: 'pages_user_gender' },
  isPaymentEnabled: { graph: 'is_payment_enabled', removedIn: 'v3.2' },
  lastAdReferral: { graph: 'last_ad_referral', removedIn: 'v3.2' },
} as const satisfies Readonly<Record<ProfileField, FieldSpec>>;

export function isProfileField(name: string): name is ProfileField {
  return Object.hasOwn(PROFILE_FIELDS, name);
}

/** Whether the configured Graph API version still has the field. */
export function existsInVersion(field: ProfileField, version: string): boolean {
  const removedIn = (PROFILE_FIELDS[field] as FieldSpec).removedIn;
  return removedIn === undefined || versionBefore(version, removedIn);
}
