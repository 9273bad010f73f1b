import { gql } from '@apollo/client';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlineDocument, RefreshUserDocument, UserCardsDocument } from '../clients/generated/graphql.js';
import { apolloClient } from '../clients/recipes/apollo.js';
import { fetchGraphQL } from '../clients/recipes/fetch.js';
import { graphqlRequestClient } from '../clients/recipes/graphql-request.js';
import { urqlClient } from '../clients/recipes/urql.js';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { DEMO_PSIDS, startStack, type Stack } from './helpers.js';
import { authEnv, signToken, startJwksServer, testKey, type JwksServer } from './jwks.js';

const PETER = DEMO_PSIDS.peter;
const FRACTIONAL = DEMO_PSIDS.fractional;

/** The client recipes of docs/frontends.md (clients/recipes/), each with a sign-in token, against a live gateway. */
describe('client recipes', () => {
  let jwks: JwksServer;
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    const key = await testKey('k1');
    jwks = await startJwksServer([key]);
    stack = await startStack({ env: { ...authEnv(jwks.url), PAGE_ID: DEMO_PAGE_ID, PROFILE_CACHE_TTL: '300' } });
    token = await signToken(key, { sub: 'agent-7', pages: [DEMO_PAGE_ID] });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it("Apollo Client (errorPolicy 'all') keeps the partial answer: data beside the FIELD_UNAVAILABLE error", async () => {
    const client = apolloClient(stack.gateway.url, () => token);
    const { data, error } = await client.query({ query: HeadlineDocument, variables: { psid: PETER } });
    expect(data?.user.profile).toEqual({ __typename: 'MessengerProfile', firstName: 'Peter', timezone: -7, lastAdReferral: null });
    expect(error?.message).toContain('last_ad_referral');
  });

  it('Apollo Client normalizes users with no typePolicies: users() fills the entries user reads, refreshUser updates the list', async () => {
    const client = apolloClient(stack.gateway.url, () => token);
    const list = await client.query({ query: UserCardsDocument, variables: { psids: [PETER, FRACTIONAL] } });
    const peter = list.data?.users[0];
    expect(peter?.profile?.name).toBe('Peter Chang');

    stack.emulator.reset();
    const id = client.cache.identify({ __typename: 'MessengerUser', id: peter!.id });
    expect(id).toBe(`MessengerUser:${peter!.id}`);
    // What a user view reads after the list: found in the cache, with no request.
    const cached = client.readFragment({ id: id!, fragment: gql`fragment CachedUser on MessengerUser { psid profile { name } }` });
    expect(cached).toEqual({ __typename: 'MessengerUser', psid: PETER, profile: { __typename: 'MessengerProfile', name: 'Peter Chang' } });
    expect(stack.emulator.requests).toHaveLength(0);

    const refreshed = await client.mutate({ mutation: RefreshUserDocument, variables: { psid: PETER } });
    expect(refreshed.data?.refreshUser.id).toBe(peter!.id);
    expect(stack.emulator.subRequests.map((s) => s.id)).toEqual([PETER]);
    const after = client.readQuery({ query: UserCardsDocument, variables: { psids: [PETER, FRACTIONAL] } });
    expect(after?.users[0]?.profile?.fetchedAt).toBe(refreshed.data?.refreshUser.profile?.fetchedAt);
    expect(after?.users[0]?.profile?.fetchedAt).not.toBe(peter?.profile?.fetchedAt);
    expect(after?.users[1]).toEqual(list.data?.users[1]);
  });

  it('urql with its defaults (GET queries) answers with the token, data and errors side by side', async () => {
    const result = await urqlClient(stack.gateway.url, () => token).query(HeadlineDocument, { psid: PETER }).toPromise();
    expect(result.data?.user.profile).toMatchObject({ firstName: 'Peter', timezone: -7, lastAdReferral: null });
    expect(result.error?.graphQLErrors.map((e) => e.extensions['code'])).toEqual(['FIELD_UNAVAILABLE']);
  });

  it("graphql-request (errorPolicy 'all') answers data and errors together", async () => {
    const { data, errors } = await graphqlRequestClient(stack.gateway.url, () => token).rawRequest(print(HeadlineDocument), { psid: PETER });
    expect(data).toMatchObject({ user: { psid: PETER, profile: { firstName: 'Peter' } } });
    expect(errors?.map((e) => e.extensions?.['code'])).toEqual(['FIELD_UNAVAILABLE']);
  });

  it('a plain fetch with a typed document', async () => {
    const answer = await fetchGraphQL(stack.gateway.url, token, UserCardsDocument, { psids: [FRACTIONAL] });
    expect(answer.data?.users[0]?.profile?.timezone).toBe(5.5);
    expect(answer.errors).toBeUndefined();
  });
});
