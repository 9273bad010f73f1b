import { versionBefore } from '../config.js';
import { ErrorCode, GatewayError } from '../errors.js';
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

/** GraphQL field name of each Graph field. */
export const PROFILE_FIELD_OF: Readonly<Record<GraphField, ProfileField>> = Object.fromEntries(
  Object.entries(PROFILE_FIELDS).map(([field, spec]) => [spec.graph, field]),
) as Record<GraphField, ProfileField>;

export function isGraphField(name: string): name is GraphField {
  return Object.hasOwn(PROFILE_FIELD_OF, name);
}

/** What reading a Graph field takes beyond the Page token. */
export function permissionFor(field: GraphField): string {
  return (PROFILE_FIELDS[PROFILE_FIELD_OF[field]] as FieldSpec).permission ?? 'Business Asset User Profile Access';
}

/** The error at the path of a field the app lacks the permission for. */
export function permissionRequired(field: GraphField): GatewayError {
  const permission = permissionFor(field);
  return new GatewayError(
    ErrorCode.PERMISSION_REQUIRED,
    `${PROFILE_FIELD_OF[field]} needs ${permission}, which the Page's app does not have.`,
    { field: PROFILE_FIELD_OF[field], permission },
  );
}

/** The error at the path of a field the Graph API version does not have. */
export function fieldUnavailable(field: GraphField, version: string): GatewayError {
  const removedIn = (PROFILE_FIELDS[PROFILE_FIELD_OF[field]] as FieldSpec).removedIn;
  return new GatewayError(
    ErrorCode.FIELD_UNAVAILABLE,
    `${PROFILE_FIELD_OF[field]} is not available on Graph API ${version}${removedIn ? `: ${field} was removed in ${removedIn}` : ''}.`,
    { field: PROFILE_FIELD_OF[field], graphApiVersion: version },
  );
}
