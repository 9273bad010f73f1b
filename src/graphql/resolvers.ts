import type { GraphQLResolveInfo } from 'graphql';
import { upstreamUnavailable } from '../errors.js';
import type { MessengerProfileResolvers, Resolvers } from '../generated/graphql.js';
import { existsInVersion, fieldUnavailable, PROFILE_FIELDS, type GraphField, type ProfileField } from '../graph-api/fields.js';
import type { GraphAdReferral, GraphProfile } from '../graph-api/types.js';
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
  const { data, fieldErrors } = outcome;
  // `{}` or only `id` is how the Graph API says the user has not authorized profile access.
  for (const field of fields) {
    if (data[field] !== undefined || fieldErrors?.has(field)) return { psid, page, data, fieldErrors };
  }
  return null;
}

function profileValue<F extends ProfileField>(
  parent: ProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof PROFILE_FIELDS)[F]['graph']]> | null {
  const graph = PROFILE_FIELDS[field].graph;
  if (!existsInVersion(field, context.graphApiVersion)) throw fieldUnavailable(graph, context.graphApiVersion);
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
 * One resolver per catalog field. `satisfies` makes the catalog (graph-api/fields.ts) and the
 * schema's MessengerProfile list exactly the same fields.
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
} satisfies Required<MessengerProfileResolvers> & Record<ProfileField, unknown>;

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
  MessengerProfile: profileFieldResolvers,
  AdReferral: {
    source: (referral) => referral.source ?? null,
    type: (referral) => referral.type ?? null,
    adId: (referral) => referral.ad_id ?? null,
  },
};
