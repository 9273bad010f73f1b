import type { LookupLayer } from '../../core/lookup.js';
import type { TokenHealth } from '../../pages/token.js';

/**
 * While the Page's token is known to be refused, lookups fail fast with UPSTREAM_AUTH_FAILED (and
 * its reason), with no upstream call, except one probe per TOKEN_PROBE_INTERVAL_MS.
 */
export function tokenGuard(health: TokenHealth): LookupLayer {
  return (next) => (requests, call) => {
    const refusal = health.admit();
    if (refusal) return Promise.resolve({ results: requests.map(() => refusal), final: true });
    return next(requests, call);
  };
}

/**
 * Learns the token's state from each HTTP exchange: a whole batch refused for authentication
 * (190, 102, appsecret_proof) makes it invalid; a batch answered, valid. A refusal of one
 * sub-request alone says nothing of the Page's token. Exchanges started before a rotation teach
 * nothing about the new token.
 */
export function tokenWatch(health: TokenHealth): LookupLayer {
  return (next) => async (requests, call) => {
    const generation = health.generation;
    const answer = await next(requests, call);
    health.learn(generation, answer.failure, answer.status === 200);
    return answer;
  };
}
