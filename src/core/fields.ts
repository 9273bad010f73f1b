import type { FieldFacts } from './errors.js';
import type { Platform } from './ids.js';
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

/**
 * The Instagram messaging User Profile fields of an IGSID (InstagramProfile), read with the same
 * Page token. One permission covers them all, so an Instagram permission error speaks for every field.
 */
export const INSTAGRAM_FIELDS = {
  name: { graph: 'name' },
  username: { graph: 'username', addedIn: 'v14.0' },
  profilePic: { graph: 'profile_pic' },
  followerCount: { graph: 'follower_count', addedIn: 'v12.0' },
  isVerifiedUser: { graph: 'is_verified_user', addedIn: 'v12.0' },
  isUserFollowBusiness: { graph: 'is_user_follow_business', addedIn: 'v12.0' },
  isBusinessFollowUser: { graph: 'is_business_follow_user', addedIn: 'v12.0' },
} as const satisfies Readonly<Record<string, FieldSpec>>;

/** A field of the GraphQL MessengerProfile type. */
export type ProfileField = keyof typeof PROFILE_FIELDS;
/** A field of the GraphQL InstagramProfile type. */
export type InstagramField = keyof typeof INSTAGRAM_FIELDS;
/** The Graph API field behind either (`name` and `profile_pic` are the same name on both). */
export type GraphField = (typeof PROFILE_FIELDS)[ProfileField]['graph'] | (typeof INSTAGRAM_FIELDS)[InstagramField]['graph'];

interface FieldSpec {
  readonly graph: Exclude<keyof GraphProfile, 'id'>;
  /** Permission the Page's app needs besides what every field of the platform takes. */
  readonly permission?: string;
  /** First Graph API version without the field. */
  readonly removedIn?: string;
  /** First Graph API version with the field. */
  readonly addedIn?: string;
}

const CATALOGS: Readonly<Record<Platform, Readonly<Record<string, FieldSpec>>>> = { messenger: PROFILE_FIELDS, instagram: INSTAGRAM_FIELDS };

/** What reading any field of the platform takes beyond the Page token. */
const BASE_PERMISSION: Readonly<Record<Platform, string>> = {
  messenger: 'Business Asset User Profile Access',
  instagram: 'instagram_manage_messages',
};

const spec = (field: string, platform: Platform): FieldSpec | undefined => CATALOGS[platform][field];

export function isProfileField(name: string): name is ProfileField {
  return Object.hasOwn(PROFILE_FIELDS, name);
}

export function isInstagramField(name: string): name is InstagramField {
  return Object.hasOwn(INSTAGRAM_FIELDS, name);
}

// Private: asked for every profile field resolved, always with the one configured version.
const existence = new Map<string, boolean>();

/** Whether the configured Graph API version has the field (GraphQL name) of the platform. */
export function existsInVersion(field: ProfileField | InstagramField, version: string, platform: Platform = 'messenger'): boolean {
  const key = `${platform}:${field}:${version}`;
  let exists = existence.get(key);
  if (exists === undefined) {
    const { removedIn, addedIn } = spec(field, platform) ?? {};
    exists = (removedIn === undefined || versionBefore(version, removedIn)) && (addedIn === undefined || !versionBefore(version, addedIn));
    existence.set(key, exists);
  }
  return exists;
}

/** GraphQL field name of each Graph field (the shared names coincide on both catalogs). */
export const PROFILE_FIELD_OF: Readonly<Record<GraphField, ProfileField | InstagramField>> = Object.fromEntries(
  [...Object.entries(PROFILE_FIELDS), ...Object.entries(INSTAGRAM_FIELDS)].map(([field, { graph }]) => [graph, field]),
) as Record<GraphField, ProfileField | InstagramField>;

/** Every Graph field name, for checking names read back from a store. */
export const GRAPH_FIELDS: ReadonlySet<string> = new Set(Object.keys(PROFILE_FIELD_OF));

export function isGraphField(name: string): name is GraphField {
  return Object.hasOwn(PROFILE_FIELD_OF, name);
}

/** What reading a Graph field of the platform takes beyond the Page token. */
export function permissionFor(field: GraphField, platform: Platform = 'messenger'): string {
  return spec(PROFILE_FIELD_OF[field], platform)?.permission ?? BASE_PERMISSION[platform];
}

/** The fields grouped by the permission each takes: asked alone, a group's answer speaks for its permission. */
export function byPermission(fields: readonly GraphField[], platform: Platform = 'messenger'): GraphField[][] {
  const groups = new Map<string, GraphField[]>();
  for (const field of fields) {
    const permission = permissionFor(field, platform);
    groups.set(permission, [...(groups.get(permission) ?? []), field]);
  }
  return [...groups.values()];
}

/** What the error helpers need to say about a field (core/errors.ts does not read the catalog). */
export function fieldFacts(field: GraphField, platform: Platform = 'messenger'): FieldFacts {
  const name = PROFILE_FIELD_OF[field];
  const { removedIn, addedIn } = spec(name, platform) ?? {};
  return {
    name,
    graph: field,
    permission: permissionFor(field, platform),
    ...(removedIn ? { removedIn } : {}),
    ...(addedIn ? { addedIn } : {}),
  };
}

/** The Graph fields of the platform's catalog that the version has (what an Instagram prefetch asks for). */
export function currentGraphFields(platform: Platform, version: string): GraphField[] {
  return Object.entries(CATALOGS[platform]).flatMap(([field, { graph }]) =>
    existsInVersion(field as ProfileField | InstagramField, version, platform) ? [graph] : [],
  );
}
