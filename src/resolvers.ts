import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from './context.js';
import { ErrorCode, GatewayError } from './errors.js';
import type { Resolvers } from './generated/graphql.js';
import { existsInVersion, PROFILE_FIELDS, type GraphField, type ProfileField } from './profile/fields.js';
import { selectedProfileFields } from './profile/projection.js';
import { validatePsid, validatePsids } from './profile/psid.js';
import type { ProfileParent } from './profile/types.js';
import type { GraphProfile } from './upstream/types.js';

async function resolveProfile(
  psid: string,
  selected: ReadonlySet<ProfileField>,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<ProfileParent | null> {
  const fields = new Set<GraphField>();
  for (const field of selected) {
    if (existsInVersion(field, context.graphApiVersion)) fields.add(PROFILE_FIELDS[field].graph);
  }
  // Nothing the Graph API can answer was asked (only __typename, or only removed fields): the
  // field resolvers say why, with no upstream call.
  if (fields.size === 0) return { psid, data: {} };

  const outcome = await context.profiles.load(psid, fields);
  context.stale.note(info, outcome);
  if (outcome.kind === 'none') return null;
  const { data, fieldErrors } = outcome;
  // `{}` or only `id` is how the Graph API says the user has not authorized profile access.
  for (const field of fields) {
    if (data[field] !== undefined || fieldErrors?.has(field)) return { psid, data, fieldErrors };
  }
  return null;
}

function profileValue<F extends ProfileField>(
  parent: ProfileParent,
  field: F,
  context: GatewayContext,
): NonNullable<GraphProfile[(typeof PROFILE_FIELDS)[F]['graph']]> | null {
  if (!existsInVersion(field, context.graphApiVersion)) {
    const spec: { graph: string; removedIn?: string } = PROFILE_FIELDS[field];
    throw new GatewayError(
      ErrorCode.FIELD_UNAVAILABLE,
      `${field} is not available on Graph API ${context.graphApiVersion}: ${spec.graph} was removed in ${spec.removedIn}.`,
      { field, graphApiVersion: context.graphApiVersion },
    );
  }
  const graph = PROFILE_FIELDS[field].graph;
  const error = parent.fieldErrors?.get(graph);
  if (error) throw error;
  return (parent.data[graph] ?? null) as never;
}

export const resolvers: Resolvers = {
  Query: {
    user: (_root, { psid }) => ({ psid: validatePsid(psid) }),
    users: (_root, { psids }) => validatePsids(psids).map((psid) => ({ psid })),
  },
  Mutation: {
    refreshUser: async (_root, { psid }, context) => {
      const valid = validatePsid(psid);
      await context.refreshProfile(valid);
      return { psid: valid };
    },
  },
  MessengerUser: {
    psid: (user) => user.psid,
    profile: (user, _args, context, info) => resolveProfile(user.psid, selectedProfileFields(info), context, info),
  },
  MessengerProfile: {
    firstName: (parent, _args, context) => profileValue(parent, 'firstName', context),
    lastName: (parent, _args, context) => profileValue(parent, 'lastName', context),
    name: (parent, _args, context) => profileValue(parent, 'name', context),
    profilePic: (parent, _args, context) => profileValue(parent, 'profilePic', context),
    locale: (parent, _args, context) => profileValue(parent, 'locale', context),
    timezone: (parent, _args, context) => profileValue(parent, 'timezone', context),
    gender: (parent, _args, context) => profileValue(parent, 'gender', context),
    isPaymentEnabled: (parent, _args, context) => profileValue(parent, 'isPaymentEnabled', context),
    lastAdReferral: (parent, _args, context) => profileValue(parent, 'lastAdReferral', context),
  },
  AdReferral: {
    source: (referral) => referral.source ?? null,
    type: (referral) => referral.type ?? null,
    adId: (referral) => referral.ad_id ?? null,
  },
};
