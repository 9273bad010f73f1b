import type { FieldFacts } from './errors.js';
import type { GraphProfile } from './profile.js';
import { versionBefore } from './versions.js';

/**
 * The User Profile fields: the Graph API's name of each, the name the gateway's schema gives it,
 * and what reading it takes. It sits with the Graph API facts, not above them, because the layers
 * that learn a field is unreadable (degradation) must name it in their errors; the schema's side
 * only reads it (graphql/resolvers.ts checks it matches MessengerProfile).
 */
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
} as const satisfies Readonly<Record<string, FieldSpec>>;

/** A field of the GraphQL MessengerProfile type. */
export type ProfileField = keyof typeof PROFILE_FIELDS;
/** The Graph API User field behind it. */
export type GraphField = (typeof PROFILE_FIELDS)[ProfileField]['graph'];

interface FieldSpec {
  readonly graph: Exclude<keyof GraphProfile, 'id'>;
  /** Permission the Page's app needs besides Business Asset User Profile Access. */
  readonly permission?: string;
  /** First Graph API version without the field. */
  readonly removedIn?: string;
}

const spec = (field: ProfileField): FieldSpec => PROFILE_FIELDS[field];

export function isProfileField(name: string): name is ProfileField {
  return Object.hasOwn(PROFILE_FIELDS, name);
}

/** Whether the configured Graph API version still has the field. */
export function existsInVersion(field: ProfileField, version: string): boolean {
  const removedIn = spec(field).removedIn;
  return removedIn === undefined || versionBefore(version, removedIn);
}

/** GraphQL field name of each Graph field. */
export const PROFILE_FIELD_OF: Readonly<Record<GraphField, ProfileField>> = Object.fromEntries(
  Object.entries(PROFILE_FIELDS).map(([field, { graph }]) => [graph, field]),
) as Record<GraphField, ProfileField>;

/** Every Graph field name, for checking names read back from a store. */
export const GRAPH_FIELDS: ReadonlySet<string> = new Set(Object.keys(PROFILE_FIELD_OF));

export function isGraphField(name: string): name is GraphField {
  return Object.hasOwn(PROFILE_FIELD_OF, name);
}

/** What reading a Graph field takes beyond the Page token. */
export function permissionFor(field: GraphField): string {
  return spec(PROFILE_FIELD_OF[field]).permission ?? 'Business Asset User Profile Access';
}

/** The fields grouped by the permission each takes: asked alone, a group's answer speaks for its permission. */
export function byPermission(fields: readonly GraphField[]): GraphField[][] {
  const groups = new Map<string, GraphField[]>();
  for (const field of fields) {
    const permission = permissionFor(field);
    groups.set(permission, [...(groups.get(permission) ?? []), field]);
  }
  return [...groups.values()];
}

/** What the error helpers need to say about a field (core/errors.ts does not read the catalog). */
export function fieldFacts(field: GraphField): FieldFacts {
  const name = PROFILE_FIELD_OF[field];
  const { removedIn } = spec(name);
  return {
    name,
    graph: field,
    permission: permissionFor(field),
    ...(removedIn ? { removedIn } : {}),
  };
}
