import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';

/**
 * Apollo Client for the gateway. `errorPolicy: 'all'` keeps the partial answers the gateway gives
 * on purpose: a user whose profile failed (RATE_LIMITED, FIELD_UNAVAILABLE, …) comes with `null`
 * there and an error at that path, while the others in the list keep their data; Apollo's default
 * ('none') would throw the whole answer away. No typePolicies: `MessengerUser.id` normalizes users.
 */
export function apolloClient(url: string, getToken: () => string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${getToken()}` } }) }),
    cache: new InMemoryCache(),
    defaultOptions: { query: { errorPolicy: 'all' }, watchQuery: { errorPolicy: 'all' }, mutate: { errorPolicy: 'all' } },
  });
}

// Apollo Client 4 types results by the default errorPolicy: declared here, so `data` and `error`
// are typed as coming together.
/* eslint-disable @typescript-eslint/no-namespace -- Apollo Client declares its defaults by namespace merging */
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface Query {
        errorPolicy: 'all';
      }
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Mutate {
        errorPolicy: 'all';
      }
    }
  }
}
