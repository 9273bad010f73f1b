import type { GraphQLResolveInfo } from 'graphql';
import { avatarsOff, fieldUnavailable, upstreamUnavailable } from '../core/errors.js';
import type { BreakerState, FieldStatus, MessengerProfileResolvers, ProfileSource, Resolvers } from '../generated/graphql.js';
import { existsInVersion, fieldFacts, PROFILE_FIELDS, type GraphField, type ProfileField } from '../core/fields.js';
import type { ValueSource } from '../core/lookup.js';
import type { GraphAdReferral, GraphProfile } from '../core/profile.js';
import { pageStatus, type FieldReport, type PageStatusReport } from '../pages/status.js';
import type { GatewayContext } from './context.js';
import type { ProfileParent, UserParent } from './parents.js';
import { selectedProfileFields } from './projection.js';
import { validatePsid, validatePsids } from './psid.js';

// Private: the Graph fields of a selection, once per selection (selections are shared, see projection.ts).
const graphFieldsOf = new WeakMap<ReadonlySet<ProfileField>, Map<string, ReadonlySet<GraphField>>>();

/** The Graph fields behind the selected fields that exist on the version. */
function graphFields(selected: ReadonlySet<ProfileField>, version: string): ReadonlySet<GraphField> {
  let byVersion = graphFieldsOf.get(selected);
  const known = byVersion?.get(version);
  if (known) return known;
  const fields = new Set<GraphField>();
  for (const field of selected) if (existsInVersion(field, version)) fields.add(PROFILE_FIELDS[field].graph);
  if (!byVersion) graphFieldsOf.set(selected, (byVersion = new Map<string, ReadonlySet<GraphField>>()));
  byVersion.set(version, fields);
  return fields;
}

async function resolveProfile(
  { psid, page }: UserParent,
  selected: ReadonlySet<ProfileField>,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<ProfileParent | null> {
  const fields = graphFields(selected, context.graphApiVersion);
  // Nothing the Graph API can answer was asked (only __typename, or only removed fields): the
  // field resolvers say why, with no upstream call.
  if (fields.size === 0) return { psid, page, data: {} };

  const outcome = await context.profiles(page).load(psid, fields);
  context.stale.note(info, outcome);
  if (outcome.kind === 'none') return null;
  const { data, fieldErrors, provenance } = outcome;
  // `{}` or only `id` is how the Graph API says the user has not authorized profile access.
  for (const field of fields) {
    if (data[field] !== undefined || fieldErrors?.has(field)) return { psid, page, data, fieldErrors, provenance };
  }
  return null;
}

function profileValue<F extends ProfileField>(
  parent: ProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof PROFILE_FIELDS)[F]['graph']]> | null {
  const graph = PROFILE_FIELDS[field].graph;
  if (!existsInVersion(field, context.graphApiVersion)) throw fieldUnavailable(fieldFacts(graph), context.graphApiVersion);
  const error = parent.fieldErrors?.get(graph);
  if (error) throw error;
  return (parent.data[graph] ?? null) as never;
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
const BREAKER_STATE: Readonly<Record<PageStatusReport['breaker'], BreakerState>> = { closed: 'CLOSED', open: 'OPEN', 'half-open': 'HALF_OPEN' };

/**
 * Where the values beside them came from, read off the outcome those values came in: never a
 * lookup of their own. With no value read (nothing else selected), nothing older than a live
 * answer was used: GRAPH_API, and no fetch time.
 */
const provenanceResolvers = {
  source: (parent) => PROFILE_SOURCE[parent.provenance?.source ?? 'graph-api'],
  fetchedAt: (parent) => (parent.provenance ? new Date(parent.provenance.fetchedAt).toISOString() : null),
} satisfies Pick<MessengerProfileResolvers, 'source' | 'fetchedAt'>;

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
    pageStatus: (_root, { pageId, probePsid }, { pages, graphApiVersion, referrals }) => {
      const probe = probePsid === null || probePsid === undefined ? undefined : validatePsid(probePsid, 'probePsid');
      return pageStatus(pages.get(pageId), { graphApiVersion, referralCapture: referrals !== undefined, probePsid: probe });
    },
  },
  Mutation: {
    refreshUser: async (_root, { psid, pageId }, { pages }) => {
      const valid = validatePsid(psid);
      const page = pages.get(pageId);
      // Without a cache there is nothing to refresh: the read below goes to the Graph API anyway.
      await page.cache?.refresh(valid);
      return { psid: valid, page };
    },
  },
  MessengerUser: {
    psid: (user) => user.psid,
    profile: (user, _args, context, info) => resolveProfile(user, selectedProfileFields(info), context, info),
  },
  MessengerProfile: { ...profileFieldResolvers, ...provenanceResolvers, ...avatarUrlResolver },
  PageStatus: {
    pageId: (status) => status.pageId ?? null,
    usage: (status) => status.usage ?? null,
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
