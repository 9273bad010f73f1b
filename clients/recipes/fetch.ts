import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A GraphQL answer: data and errors may come together (a partial answer). */
export interface GraphQLAnswer<R> {
  readonly data?: R | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: { code?: string } }[];
}

/** A plain fetch with a typed document (clients/generated): JSON POST, so no preflight header is needed beyond Authorization. */
export async function fetchGraphQL<R, V>(url: string, token: string, document: TypedDocumentNode<R, V>, variables: V): Promise<GraphQLAnswer<R>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLAnswer<R>;
}
