import { GraphQLClient } from 'graphql-request';

/**
 * graphql-request with `errorPolicy: 'all'`: `rawRequest` then answers `data` and `errors` together
 * instead of throwing on the first error (its default, 'none', throws away partial answers).
 */
export function graphqlRequestClient(url: string, getToken: () => string): GraphQLClient {
  return new GraphQLClient(url, { errorPolicy: 'all', headers: () => ({ authorization: `Bearer ${getToken()}` }) });
}
