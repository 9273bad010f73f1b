/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Headline($psid: ID!) {\n  user(psid: $psid) {\n    id\n    psid\n    profile {\n      firstName\n      timezone\n      lastAdReferral {\n        source\n        type\n        adId\n      }\n    }\n  }\n}": typeof types.HeadlineDocument,
    "query ContactCards($psids: [ID!]!, $igsids: [ID!]!) {\n  users(psids: $psids) {\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n  instagramUsers(igsids: $igsids) {\n    id\n    igsid\n    profile {\n      ...InstagramCard\n    }\n  }\n}\n\nfragment InstagramCard on InstagramProfile {\n  name\n  username\n  profilePic\n  followerCount\n  isUserFollowBusiness\n  source\n  fetchedAt\n}": typeof types.ContactCardsDocument,
    "query PageStatus($pageId: ID, $probePsid: ID) {\n  pageStatus(pageId: $pageId, probePsid: $probePsid) {\n    pageId\n    graphApiVersion\n    breaker\n    throttledForSeconds\n    usage {\n      callCount\n      totalTime\n      totalCputime\n    }\n    fields {\n      field\n      permission\n      status\n    }\n  }\n}": typeof types.PageStatusDocument,
    "mutation RefreshUser($psid: ID!) {\n  refreshUser(psid: $psid) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}": typeof types.RefreshUserDocument,
    "query UserCards($psids: [ID!]!) {\n  users(psids: $psids) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}\n\nfragment ProfileCard on MessengerProfile {\n  name\n  profilePic\n  locale\n  timezone\n  source\n  fetchedAt\n}": typeof types.UserCardsDocument,
};
const documents: Documents = {
    "query Headline($psid: ID!) {\n  user(psid: $psid) {\n    id\n    psid\n    profile {\n      firstName\n      timezone\n      lastAdReferral {\n        source\n        type\n        adId\n      }\n    }\n  }\n}": types.HeadlineDocument,
    "query ContactCards($psids: [ID!]!, $igsids: [ID!]!) {\n  users(psids: $psids) {\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n  instagramUsers(igsids: $igsids) {\n    id\n    igsid\n    profile {\n      ...InstagramCard\n    }\n  }\n}\n\nfragment InstagramCard on InstagramProfile {\n  name\n  username\n  profilePic\n  followerCount\n  isUserFollowBusiness\n  source\n  fetchedAt\n}": types.ContactCardsDocument,
    "query PageStatus($pageId: ID, $probePsid: ID) {\n  pageStatus(pageId: $pageId, probePsid: $probePsid) {\n    pageId\n    graphApiVersion\n    breaker\n    throttledForSeconds\n    usage {\n      callCount\n      totalTime\n      totalCputime\n    }\n    fields {\n      field\n      permission\n      status\n    }\n  }\n}": types.PageStatusDocument,
    "mutation RefreshUser($psid: ID!) {\n  refreshUser(psid: $psid) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}": types.RefreshUserDocument,
    "query UserCards($psids: [ID!]!) {\n  users(psids: $psids) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}\n\nfragment ProfileCard on MessengerProfile {\n  name\n  profilePic\n  locale\n  timezone\n  source\n  fetchedAt\n}": types.UserCardsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Headline($psid: ID!) {\n  user(psid: $psid) {\n    id\n    psid\n    profile {\n      firstName\n      timezone\n      lastAdReferral {\n        source\n        type\n        adId\n      }\n    }\n  }\n}"): (typeof documents)["query Headline($psid: ID!) {\n  user(psid: $psid) {\n    id\n    psid\n    profile {\n      firstName\n      timezone\n      lastAdReferral {\n        source\n        type\n        adId\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ContactCards($psids: [ID!]!, $igsids: [ID!]!) {\n  users(psids: $psids) {\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n  instagramUsers(igsids: $igsids) {\n    id\n    igsid\n    profile {\n      ...InstagramCard\n    }\n  }\n}\n\nfragment InstagramCard on InstagramProfile {\n  name\n  username\n  profilePic\n  followerCount\n  isUserFollowBusiness\n  source\n  fetchedAt\n}"): (typeof documents)["query ContactCards($psids: [ID!]!, $igsids: [ID!]!) {\n  users(psids: $psids) {\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n  instagramUsers(igsids: $igsids) {\n    id\n    igsid\n    profile {\n      ...InstagramCard\n    }\n  }\n}\n\nfragment InstagramCard on InstagramProfile {\n  name\n  username\n  profilePic\n  followerCount\n  isUserFollowBusiness\n  source\n  fetchedAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PageStatus($pageId: ID, $probePsid: ID) {\n  pageStatus(pageId: $pageId, probePsid: $probePsid) {\n    pageId\n    graphApiVersion\n    breaker\n    throttledForSeconds\n    usage {\n      callCount\n      totalTime\n      totalCputime\n    }\n    fields {\n      field\n      permission\n      status\n    }\n  }\n}"): (typeof documents)["query PageStatus($pageId: ID, $probePsid: ID) {\n  pageStatus(pageId: $pageId, probePsid: $probePsid) {\n    pageId\n    graphApiVersion\n    breaker\n    throttledForSeconds\n    usage {\n      callCount\n      totalTime\n      totalCputime\n    }\n    fields {\n      field\n      permission\n      status\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RefreshUser($psid: ID!) {\n  refreshUser(psid: $psid) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}"): (typeof documents)["mutation RefreshUser($psid: ID!) {\n  refreshUser(psid: $psid) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserCards($psids: [ID!]!) {\n  users(psids: $psids) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}\n\nfragment ProfileCard on MessengerProfile {\n  name\n  profilePic\n  locale\n  timezone\n  source\n  fetchedAt\n}"): (typeof documents)["query UserCards($psids: [ID!]!) {\n  users(psids: $psids) {\n    id\n    psid\n    profile {\n      ...ProfileCard\n    }\n  }\n}\n\nfragment ProfileCard on MessengerProfile {\n  name\n  profilePic\n  locale\n  timezone\n  source\n  fetchedAt\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;