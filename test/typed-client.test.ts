import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContactCardsDocument,
  HeadlineDocument,
  PageStatusDocument,
  UserCardsDocument,
  type ContactCardsQuery,
  type HeadlineQuery,
  type PageStatusQuery,
  type ProfileSource,
  type UserCardsQuery,
} from '../clients/generated/graphql.js';
import { DEMO_IGSIDS, DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
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
    expect(data).toEqual({ user: { id: expect.any(String), psid: DEMO_PSIDS.peter, profile: { firstName: 'Peter', timezone: -7, lastAdReferral: null } } });
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

  it('UserCards says where each card came from, at no extra upstream cost', async () => {
    stack.emulator.reset();
    const res = await request(stack, UserCardsDocument, { psids: [DEMO_PSIDS.peter] });
    const source: ProfileSource | undefined = res.body.data?.users[0]?.profile?.source;
    expect(source).toBe('GRAPH_API');
    expect(Date.parse(res.body.data?.users[0]?.profile?.fetchedAt ?? '')).not.toBeNaN();
    expect(stack.emulator.subRequests.map((s) => [...(s.fields ?? [])].sort())).toEqual([['locale', 'name', 'profile_pic', 'timezone']]);
  });

  it('ContactCards answers Messenger and Instagram contacts in one upstream batch; no consent is a null profile', async () => {
    const instagram = await startStack({ env: { NODE_ENV: 'production', GATEWAY_API_KEYS: KEY, PAGE_ID: DEMO_PAGE_ID, INSTAGRAM_ACCOUNT_ID: DEMO_INSTAGRAM_ACCOUNT_ID } });
    try {
      const res = await request(instagram, ContactCardsDocument, { psids: [DEMO_PSIDS.peter], igsids: [DEMO_IGSIDS.full, DEMO_IGSIDS.noConsent] });
      const contacts: ContactCardsQuery['instagramUsers'] | undefined = res.body.data?.instagramUsers;
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.users[0]?.profile?.name).toBe('Peter Chang');
      expect(contacts?.[0]?.profile).toMatchObject({ username: 'marta.souza', followerCount: 1824, isUserFollowBusiness: true, source: 'GRAPH_API' });
      expect(contacts?.[1]).toMatchObject({ igsid: DEMO_IGSIDS.noConsent, profile: null });
      expect(instagram.emulator.requests).toHaveLength(1);
    } finally {
      await instagram.close();
    }
  });

  it('PageStatus reports field access, usage and the breaker; with probePsid it learns access in one batch call', async () => {
    stack.emulator.reset();
    const res = await request(stack, PageStatusDocument, { probePsid: DEMO_PSIDS.peter });
    const status: PageStatusQuery['pageStatus'] | undefined = res.body.data?.pageStatus;
    expect(res.body.errors).toBeUndefined();
    expect(status).toMatchObject({ pageId: null, graphApiVersion: 'v25.0', breaker: 'CLOSED', throttledForSeconds: 0 });
    expect(status?.usage).toEqual({ callCount: expect.any(Number), totalTime: expect.any(Number), totalCputime: expect.any(Number) });
    expect(status?.fields.find((f) => f.field === 'locale')).toEqual({ field: 'locale', permission: 'pages_user_locale', status: 'AVAILABLE' });
    expect(status?.fields.find((f) => f.field === 'lastAdReferral')?.status).toBe('UNAVAILABLE_ON_VERSION');
    expect(stack.emulator.requests).toHaveLength(1);
  });
});
