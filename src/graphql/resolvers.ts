import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, fieldUnavailable, probeForbidden, upstreamUnavailable } from '../core/errors.js';
import { globalId } from '../core/global-id.js';
import type { BreakerState, FieldStatus, MessengerProfileResolvers, ProfileSource, Resolvers, TokenProblem, TokenState } from '../generated/graphql.js';
import { existsInVersion, fieldFacts, PROFILE_FIELDS, type GraphField, type ProfileField } from '../core/fields.js';
import type { LookupCall, ValueSource } from '../core/lookup.js';
import type { GraphAdReferral, GraphProfile } from '../core/profile.js';
import { pageStatus, type FieldReport, type PageStatusReport, type TokenReport } from '../pages/status.js';
import type { GatewayContext } from './context.js';
import type { ProfileParent, UserParent } from './parents.js';
import { selectedProfileFields } from './projection.js';
import { validatePsid, validatePsids } from './psid.js';

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
} satisfies Required<Omit<MessengerProfileResolvers, 'source' | 'fetchedAt'>> & Record<ProfileField, unknown>;

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
  source: (parent) => PROFILE_SOURCE[parent.provenance?.source ?? 'graph-api'],
  fetchedAt: (parent) => (parent.provenance ? new Date(parent.provenance.fetchedAt).toISOString() : null),
} satisfies Pick<MessengerProfileResolvers, 'source' | 'fetchedAt'>;

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
    pageStatus: (_root, { pageId, probePsid }, context) => {
      const { pages, caller, graphApiVersion, referrals, call } = context;
      const probe = probePsid === null || probePsid === undefined ? undefined : validatePsid(probePsid, 'probePsid');
      const page = pages.getFor(caller, pageId);
      if (probe !== undefined) admitProbe(context);
      return pageStatus(page, { graphApiVersion, referralCapture: referrals !== undefined, probePsid: probe, call });
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
    profile: (user, _args, context, info) => resolveProfile(user, selectedProfileFields(info), context, info),
  },
  MessengerProfile: { ...profileFieldResolvers, ...provenanceResolvers },
  PageStatus: {
    pageId: (status) => status.pageId ?? null,
    usage: (status) => status.usage ?? null,
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
