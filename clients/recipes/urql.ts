import { cacheExchange, Client, fetchExchange } from '@urql/core';

/**
 * urql with its defaults: it sends queries as GET, which the gateway's CSRF prevention accepts
 * because they carry Authorization (no simple request can). urql keeps partial answers: `data`
 * and `error.graphQLErrors` side by side.
 */
export function urqlClient(url: string, getToken: () => string): Client {
  return new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${getToken()}` } }),
  });
}
