import type { GraphQLResolveInfo } from 'graphql';
import { avatarsOff, badUserInput, fieldUnavailable, probeForbidden, upstreamUnavailable } from '../core/errors.js';
import { globalId } from '../core/global-id.js';
import type {
  BreakerState,
  FieldStatus,
  InstagramProfileResolvers,
  MessengerProfileResolvers,
  ProfileSource,
  Resolvers,
  TokenProblem,
  TokenState,
} from '../generated/graphql.js';
import {
  existsInVersion,
  fieldFacts,
  INSTAGRAM_FIELDS,
  isInstagramField,
  isProfileField,
  PROFILE_FIELDS,
  type GraphField,
  type InstagramField,
  type ProfileField,
} from '../core/fields.js';
import { instagramUser, messengerUser, type Platform, type UserRef } from '../core/ids.js';
import type { LookupCall, Provenance, ValueSource } from '../core/lookup.js';
import type { GraphAdReferral, GraphProfile } from '../core/profile.js';
import type { Page } from '../pages/page.js';
import { pageStatus, type FieldReport, type PageStatusReport, type TokenReport } from '../pages/status.js';
import type { GatewayContext } from './context.js';
import type { InstagramProfileParent, ProfileParent, ProfileValues } from './parents.js';
import { selectedProfileFields } from './projection.js';
import { validateIgsid, validateIgsids, validatePsid, validatePsids } from './psid.js';

const CATALOG = { messenger: PROFILE_FIELDS, instagram: INSTAGRAM_FIELDS } as const;

// Private: operations (by their call) that have probed; one probe each, aliases or not.
const probed = new WeakSet<LookupCall>();

/**
 * Whether this operation may probe now. A probe answers NOT_FOUND for a PSID that does not exist,
 * so only operators may (anyone on an open endpoint), and a refusal says nothing about the PSID.
 */
function admitProbe(context: GatewayContext): void {
  if (!context.open && context.call.caller?.operator !== true) {
    throw probeForbidden();
  }
  if (probed.has(context.call)) throw badUserInput('At most one pageStatus(probePsid:) per operation.', { argument: 'probePsid' });
  probed.add(context.call);
}

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
  page: Page,
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
  return catalogValue(parent, PROFILE_FIELDS[field].graph, 'messenger', existsInVersion(field, context.graphApiVersion), context) as never;
}

function instagramValue<F extends InstagramField>(
  parent: InstagramProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof INSTAGRAM_FIELDS)[F]['graph']]> | null {
  const graph = INSTAGRAM_FIELDS[field].graph;
  return catalogValue(parent, graph, 'instagram', existsInVersion(field, context.graphApiVersion, 'instagram'), context) as never;
}

function catalogValue(parent: ProfileValues, graph: GraphField, platform: Platform, exists: boolean, context: GatewayContext): unknown {
  if (!exists) throw fieldUnavailable(fieldFacts(graph, platform), context.graphApiVersion);
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
} satisfies Required<Omit<MessengerProfileResolvers, 'source' | 'fetchedAt' | 'avatarUrl'>> & Record<ProfileField, unknown>;

/** A signed URL on the gateway's origin, made from profile_pic without a lookup of its own; null without a picture. */
const avatarUrlResolver = {
  avatarUrl: (parent, _args, context) => {
    if (!profileValue(parent, 'profilePic', context)) return null;
    if (!context.avatarUrl) throw avatarsOff();
    return context.avatarUrl({ kind: 'm', pageId: parent.page.id ?? '', userId: parent.psid });
  },
} satisfies Pick<MessengerProfileResolvers, 'avatarUrl'>;

// The schema's enum values for the gateway's own.
const PROFILE_SOURCE: Readonly<Record<ValueSource, ProfileSource>> = { 'graph-api': 'GRAPH_API', cache: 'CACHE', 'stale-cache': 'STALE_CACHE' };
const FIELD_STATUS: Readonly<Record<FieldReport['status'], FieldStatus>> = {
  available: 'AVAILABLE',
  'permission-required': 'PERMISSION_REQUIRED',
  'unavailable-on-version': 'UNAVAILABLE_ON_VERSION',
  unknown: 'UNKNOWN',
};
const TOKEN_STATE: Readonly<Record<TokenReport['state'], TokenState>> = { valid: 'VALID', invalid: 'INVALID', unknown: 'UNKNOWN' };
const TOKEN_PROBLEMS: ReadonlySet<string> = new Set<TokenProblem>(['EXPIRED', 'PASSWORD_CHANGED', 'APP_REMOVED', 'PROOF', 'INVALID']);
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

/** The Page of an Instagram lookup: one the caller may read, that knows its Instagram account (else there is nobody to read). */
function instagramPage(context: GatewayContext, pageId: string | null | undefined): Page {
  const page = context.pages.getFor(context.caller, pageId);
  if (page.instagramAccountId === undefined) {
    throw badUserInput(
      'This Page has no Instagram account configured: set instagramAccountId for it in PAGES (or INSTAGRAM_ACCOUNT_ID).',
      { argument: 'pageId' },
    );
  }
  return page;
}

export const resolvers: Resolvers = {
  Query: {
    user: (_root, { psid, pageId }, { pages, caller }) => {
      const valid = validatePsid(psid);
      return { psid: valid, page: pages.getFor(caller, pageId) };
    },
    users: (_root, { psids, pageId }, { pages, caller }) => {
      const valid = validatePsids(psids);
      const page = pages.getFor(caller, pageId);
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
    pageStatus: (_root, { pageId, probePsid, probeIgsid }, context) => {
      const { pages, caller, graphApiVersion, referrals, call } = context;
      const probe = probePsid === null || probePsid === undefined ? undefined : validatePsid(probePsid, 'probePsid');
      const probeInstagram = probeIgsid === null || probeIgsid === undefined ? undefined : validateIgsid(probeIgsid, 'probeIgsid');
      const page = pages.getFor(caller, pageId);
      if (probeInstagram !== undefined && page.instagramAccountId === undefined) {
        throw badUserInput('This Page has no Instagram account configured to probe.', { argument: 'probeIgsid' });
      }
      // Probing a PSID and an IGSID in one pageStatus is one probe of the Page.
      if (probe !== undefined || probeInstagram !== undefined) admitProbe(context);
      return pageStatus(page, { graphApiVersion, referralCapture: referrals !== undefined, probePsid: probe, probeIgsid: probeInstagram, call });
    },
  },
  Mutation: {
    refreshUser: async (_root, { psid, pageId }, { pages, caller, call }) => {
      const valid = validatePsid(psid);
      const page = pages.getFor(caller, pageId);
      // Charged even without a cache (nothing to refresh then): a refresh is a lookup.
      await page.refresh(valid, call);
      return { psid: valid, page };
    },
  },
  MessengerUser: {
    id: (user) => globalId('MessengerUser', user.page.id, user.psid),
    psid: (user) => user.psid,
    profile: async ({ psid, page }, _args, context, info) => {
      const values = await resolveProfile(page, messengerUser(psid), selectedProfileFields(info, isProfileField), context, info);
      return values && { ...values, psid };
    },
  },
  MessengerProfile: { ...profileFieldResolvers, ...provenanceResolvers, ...avatarUrlResolver },
  InstagramUser: {
    id: (user) => globalId('InstagramUser', user.page.id, user.igsid),
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
  TokenStatus: {
    state: (token) => TOKEN_STATE[token.state],
    reason: (token) => {
      const reason = token.reason?.toUpperCase();
      return reason !== undefined && TOKEN_PROBLEMS.has(reason) ? (reason as TokenProblem) : null;
    },
    expiresAt: (token) => token.expiresAt ?? null,
    dataAccessExpiresAt: (token) => token.dataAccessExpiresAt ?? null,
    scopes: (token) => token.scopes ?? null,
    checkedAt: (token) => token.checkedAt ?? null,
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
