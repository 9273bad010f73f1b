import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HeadlineDocument,
  UserCardsDocument,
  type HeadlineQuery,
  type UserCardsQuery,
} from '../clients/generated/graphql.js';
import { codesByPath, DEMO_PSIDS, postGraphQL, startStack, type GraphQLResponse, type Stack } from './helpers.js';

const KEY = 'frontend-bff-key-0123456789';

/** What a frontend's fetch wrapper does with a typed document: print it and POST it. */
function request<R, V>(stack: Stack, document: TypedDocumentNode<R, V>, variables: V): Promise<GraphQLResponse<R>> {
  return postGraphQL<R>(stack.gateway.url, { query: print(document), variables }, { authorization: `Bearer ${KEY}` });
}

describe('typed documents for frontends (clients/generated)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', GATEWAY_API_KEYS: KEY } });
  });
  afterAll(() => stack.close());

  it('Headline answers firstName and timezone; lastAdReferral is null with FIELD_UNAVAILABLE on the default version', async () => {
    const res = await request(stack, HeadlineDocument, { psid: DEMO_PSIDS.peter });
    const data: HeadlineQuery | null | undefined = res.body.data;
    expect(data).toEqual({ user: { psid: DEMO_PSIDS.peter, profile: { firstName: 'Peter', timezone: -7, lastAdReferral: null } } });
    expect(codesByPath(res)).toEqual({ 'user.profile.lastAdReferral': 'FIELD_UNAVAILABLE' });
    expect(stack.emulator.subRequests.map((s) => s.fields)).toEqual([['first_name', 'timezone']]);
  });

  it('UserCards (with a fragment) answers in input order in one upstream request', async () => {
    stack.emulator.reset();
    const psids = [DEMO_PSIDS.fractional, DEMO_PSIDS.peter, DEMO_PSIDS.unauthorized];
    const res = await request(stack, UserCardsDocument, { psids });
    const users: UserCardsQuery['users'] | undefined = res.body.data?.users;
    expect(res.body.errors).toBeUndefined();
    expect(users?.map((u) => u.psid)).toEqual(psids);
    expect(users?.[0]?.profile?.timezone).toBe(5.5);
    expect(users?.[1]?.profile).toMatchObject({ name: 'Peter Chang', locale: 'en_US' });
    expect(users?.[2]?.profile).toBeNull();
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
