import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, upstreamUnavailable } from '../core/errors.js';
import type {
  BreakerState,
  FieldStatus,
  InstagramProfileResolvers,
  MessengerProfileResolvers,
  ProfileSource,
  Resolvers,
} from '../generated/graphql.js';
import {
  existsInVersion,
  fieldUnavailable,
  INSTAGRAM_FIELDS,
  isInstagramField,
  isProfileField,
  PROFILE_FIELDS,
  type GraphField,
  type InstagramField,
  type ProfileField,
} from '../core/fields.js';
import { instagramUser, messengerUser, type Igsid, type Platform, type UserRef } from '../core/ids.js';
import type { Provenance, ValueSource } from '../core/lookup.js';
import type { GraphAdReferral, GraphProfile } from '../core/profile.js';
import { pageStatus, type FieldReport, type PageStatusReport } from '../pages/status.js';
import type { PageRuntime } from '../pages/runtime.js';
import type { GatewayContext } from './context.js';
import type { InstagramProfileParent, ProfileParent, ProfileValues } from './parents.js';
import { selectedProfileFields } from './projection.js';
import { validateIgsid, validateIgsids, validatePsid, validatePsids } from './psid.js';

const CATALOG = { messenger: PROFILE_FIELDS, instagram: INSTAGRAM_FIELDS } as const;

// Private: the Graph fields of a selection, once per selection (selections are shared, see projection.ts).
const graphFieldsOf = new WeakMap<ReadonlySet<string>, Map<string, ReadonlySet<GraphField>>>();

/** The Graph fields behind the selected fields that exist on the version. */
function graphFields(selected: ReadonlySet<ProfileField> | ReadonlySet<InstagramField>, version: string, platform: Platform): ReadonlySet<GraphField> {
  let byVersion = graphFieldsOf.get(selected);
  const known = byVersion?.get(version);
  if (known) return known;
  const fields = new Set<GraphField>();
  const catalog: Readonly<Record<string, { readonly graph: GraphField }>> = CATALOG[platform];
  for (const field of selected) if (existsInVersion(field, version, platform)) fields.add(catalog[field]!.graph);
  if (!byVersion) graphFieldsOf.set(selected, (byVersion = new Map<string, ReadonlySet<GraphField>>()));
  byVersion.set(version, fields);
  return fields;
}

/** The profile of a user of either platform: the selected fields the version has, in one lookup. */
async function resolveProfile(
  page: PageRuntime,
  user: UserRef,
  selected: ReadonlySet<ProfileField> | ReadonlySet<InstagramField>,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<ProfileValues | null> {
  const fields = graphFields(selected, context.graphApiVersion, user.platform);
  // Nothing the Graph API can answer was asked (only __typename, or only fields the version
  // lacks): the field resolvers say why, with no upstream call.
  if (fields.size === 0) return { page, data: {} };

  const outcome = await context.profiles(page).load(user, fields);
  context.stale.note(info, outcome);
  if (outcome.kind === 'none') return null;
  const { data, fieldErrors, provenance } = outcome;
  // `{}` or only `id` is how the Graph API says the user has not authorized profile access.
  for (const field of fields) {
    if (data[field] !== undefined || fieldErrors?.has(field)) return { page, data, fieldErrors, provenance };
  }
  return null;
}

function profileValue<F extends ProfileField>(
  parent: ProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof PROFILE_FIELDS)[F]['graph']]> | null {
  return catalogValue(parent, PROFILE_FIELDS[field].graph, existsInVersion(field, context.graphApiVersion), context) as never;
}

function instagramValue<F extends InstagramField>(
  parent: InstagramProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof INSTAGRAM_FIELDS)[F]['graph']]> | null {
  const graph = INSTAGRAM_FIELDS[field].graph;
  if (!existsInVersion(field, context.graphApiVersion, 'instagram')) throw fieldUnavailable(graph, context.graphApiVersion, 'instagram');
  return catalogValue(parent, graph, true, context) as never;
}

function catalogValue(parent: ProfileValues, graph: GraphField, exists: boolean, context: GatewayContext): unknown {
  if (!exists) throw fieldUnavailable(graph, context.graphApiVersion);
  const error = parent.fieldErrors?.get(graph);
  if (error) throw error;
  return parent.data[graph] ?? null;
}

/**
 * The Graph API's last_ad_referral where the version still has it; else the latest ADS referral
 * captured from webhooks (null when none was), when capture is on.
 */
async function lastAdReferral(parent: ProfileParent, context: GatewayContext): Promise<GraphAdReferral | null> {
  const pageId = parent.page.id;
  if (existsInVersion('lastAdReferral', context.graphApiVersion) || !context.referrals || !pageId) {
    return profileValue(parent, 'lastAdReferral', context);
  }
  const referral = await context.referrals.latest(pageId, parent.psid, 'ADS').catch(() => {
    throw upstreamUnavailable('The referral store did not answer');
  });
  return referral ? { source: referral.source, type: referral.type, ad_id: referral.adId } : null;
}

/**
 * One resolver per catalog field. `satisfies` makes the catalog (core/fields.ts) and the
 * schema's MessengerProfile list exactly the same profile fields (besides provenance, below).
 */
const profileFieldResolvers = {
  firstName: (parent, _args, context) => profileValue(parent, 'firstName', context),
  lastName: (parent, _args, context) => profileValue(parent, 'lastName', context),
  name: (parent, _args, context) => profileValue(parent, 'name', context),
  profilePic: (parent, _args, context) => profileValue(parent, 'profilePic', context),
  locale: (parent, _args, context) => profileValue(parent, 'locale', context),
  timezone: (parent, _args, context) => profileValue(parent, 'timezone', context),
  gender: (parent, _args, context) => profileValue(parent, 'gender', context),
  isPaymentEnabled: (parent, _args, context) => profileValue(parent, 'isPaymentEnabled', context),
  lastAdReferral: (parent, _args, context) => lastAdReferral(parent, context),
} satisfies Required<Omit<MessengerProfileResolvers, 'source' | 'fetchedAt'>> & Record<ProfileField, unknown>;

// The schema's enum values for the gateway's own.
const PROFILE_SOURCE: Readonly<Record<ValueSource, ProfileSource>> = { 'graph-api': 'GRAPH_API', cache: 'CACHE', 'stale-cache': 'STALE_CACHE' };
const FIELD_STATUS: Readonly<Record<FieldReport['status'], FieldStatus>> = {
  available: 'AVAILABLE',
  'permission-required': 'PERMISSION_REQUIRED',
  'unavailable-on-version': 'UNAVAILABLE_ON_VERSION',
  unknown: 'UNKNOWN',
};
const BREAKER_STATE: Readonly<Record<PageStatusReport['breaker'], BreakerState>> = { closed: 'CLOSED', open: 'OPEN', 'half-open': 'HALF_OPEN' };

/**
 * Where the values beside them came from, read off the outcome those values came in: never a
 * lookup of their own. With no value read (nothing else selected), nothing older than a live
 * answer was used: GRAPH_API, and no fetch time.
 */
const provenanceResolvers = {
  source: (parent: { readonly provenance?: Provenance | undefined }) => PROFILE_SOURCE[parent.provenance?.source ?? 'graph-api'],
  fetchedAt: (parent: { readonly provenance?: Provenance | undefined }) =>
    parent.provenance ? new Date(parent.provenance.fetchedAt).toISOString() : null,
} satisfies Pick<MessengerProfileResolvers, 'source' | 'fetchedAt'> & Pick<InstagramProfileResolvers, 'source' | 'fetchedAt'>;

/**
 * One resolver per Instagram catalog field; `satisfies` keeps the catalog and the schema's
 * InstagramProfile the same fields.
 */
const instagramFieldResolvers = {
  name: (parent, _args, context) => instagramValue(parent, 'name', context),
  username: (parent, _args, context) => instagramValue(parent, 'username', context),
  profilePic: (parent, _args, context) => instagramValue(parent, 'profilePic', context),
  followerCount: (parent, _args, context) => instagramValue(parent, 'followerCount', context),
  isVerifiedUser: (parent, _args, context) => instagramValue(parent, 'isVerifiedUser', context),
  isUserFollowBusiness: (parent, _args, context) => instagramValue(parent, 'isUserFollowBusiness', context),
  isBusinessFollowUser: (parent, _args, context) => instagramValue(parent, 'isBusinessFollowUser', context),
} satisfies Required<Omit<InstagramProfileResolvers, 'source' | 'fetchedAt'>> & Record<InstagramField, unknown>;

/** The Page of an Instagram lookup: it must know its Instagram account (else there is nobody to read). */
function instagramPage(context: GatewayContext, pageId: string | null | undefined): PageRuntime {
  const page = context.pages.get(pageId);
  if (page.instagramAccountId === undefined) {
    throw badUserInput(
      'This Page has no Instagram account configured: set instagramAccountId for it in PAGES (or INSTAGRAM_ACCOUNT_ID).',
      { argument: 'pageId' },
    );
  }
  return page;
}

/** Opaque, stable id of an Instagram user of a Page; `ig:` keeps it apart from any Messenger user's. */
function instagramUserId(page: PageRuntime, igsid: Igsid): string {
  return Buffer.from(`ig:${page.id ?? ''}:${igsid}`).toString('base64url');
}

export const resolvers: Resolvers = {
  Query: {
    user: (_root, { psid, pageId }, { pages }) => {
      const valid = validatePsid(psid);
      return { psid: valid, page: pages.get(pageId) };
    },
    users: (_root, { psids, pageId }, { pages }) => {
      const valid = validatePsids(psids);
      const page = pages.get(pageId);
      return valid.map((psid) => ({ psid, page }));
    },
    instagramUser: (_root, { igsid, pageId }, context) => {
      const valid = validateIgsid(igsid);
      return { igsid: valid, page: instagramPage(context, pageId) };
    },
    instagramUsers: (_root, { igsids, pageId }, context) => {
      const valid = validateIgsids(igsids);
      const page = instagramPage(context, pageId);
      return valid.map((igsid) => ({ igsid, page }));
    },
    pageStatus: (_root, { pageId, probePsid, probeIgsid }, { pages, graphApiVersion, referrals }) => {
      const probe = probePsid === null || probePsid === undefined ? undefined : validatePsid(probePsid, 'probePsid');
      const probeInstagram = probeIgsid === null || probeIgsid === undefined ? undefined : validateIgsid(probeIgsid, 'probeIgsid');
      const page = pages.get(pageId);
      if (probeInstagram !== undefined && page.instagramAccountId === undefined) {
        throw badUserInput('This Page has no Instagram account configured to probe.', { argument: 'probeIgsid' });
      }
      return pageStatus(page, { graphApiVersion, referralCapture: referrals !== undefined, probePsid: probe, probeIgsid: probeInstagram });
    },
  },
  Mutation: {
    refreshUser: async (_root, { psid, pageId }, { pages }) => {
      const valid = validatePsid(psid);
      const page = pages.get(pageId);
      // Without a cache there is nothing to refresh: the read below goes to the Graph API anyway.
      await page.cache?.refresh(messengerUser(valid));
      return { psid: valid, page };
    },
  },
  MessengerUser: {
    psid: (user) => user.psid,
    profile: async ({ psid, page }, _args, context, info) => {
      const values = await resolveProfile(page, messengerUser(psid), selectedProfileFields(info, isProfileField), context, info);
      return values && { ...values, psid };
    },
  },
  MessengerProfile: { ...profileFieldResolvers, ...provenanceResolvers },
  InstagramUser: {
    id: ({ igsid, page }) => instagramUserId(page, igsid),
    igsid: (user) => user.igsid,
    profile: async ({ igsid, page }, _args, context, info) => {
      const values = await resolveProfile(page, instagramUser(igsid), selectedProfileFields(info, isInstagramField), context, info);
      return values && { ...values, igsid };
    },
  },
  InstagramProfile: { ...instagramFieldResolvers, ...provenanceResolvers },
  PageStatus: {
    pageId: (status) => status.pageId ?? null,
    usage: (status) => status.usage ?? null,
    instagramAccountId: (status) => status.instagramAccountId ?? null,
    breaker: (status) => BREAKER_STATE[status.breaker],
  },
  FieldAccess: {
    permission: (access) => access.permission ?? null,
    status: (access) => FIELD_STATUS[access.status],
  },
  AdReferral: {
    source: (referral) => referral.source ?? null,
    type: (referral) => referral.type ?? null,
    adId: (referral) => referral.ad_id ?? null,
  },
};
