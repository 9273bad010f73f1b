import type { ProfileOutcome } from '../core/lookup.js';

/** An outcome served from expired cache entries because the Graph API failed. */
export type StaleOutcome = ProfileOutcome & { readonly stale: { readonly ageSeconds: number } };

export function markStale(outcome: ProfileOutcome, ageSeconds: number): StaleOutcome {
  return { ...outcome, stale: { ageSeconds } };
}

/** Age in whole seconds of the oldest stale value an outcome used; undefined for a fresh one. */
export function staleAge(outcome: ProfileOutcome): number | undefined {
  return 'stale' in outcome ? (outcome as StaleOutcome).stale.ageSeconds : undefined;
}
