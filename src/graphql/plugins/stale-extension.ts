import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { staleAge } from '../../cache/stale.js';
import type { ProfileOutcome } from '../../core/lookup.js';

/** One response path answered from stale cache entries, as listed in `extensions.stale`. */
export interface StalePath {
  readonly path: readonly (string | number)[];
  /** Age of the oldest value used, in whole seconds. */
  readonly ageSeconds: number;
}

/** The stale answers of one operation, gathered by resolvers and reported by the plugin below. */
export class StaleAnswers {
  readonly paths: StalePath[] = [];

  /** Records the resolver's path when its outcome came from stale cache entries. */
  note(info: Pick<GraphQLResolveInfo, 'path'>, outcome: ProfileOutcome): void {
    const ageSeconds = staleAge(outcome);
    if (ageSeconds !== undefined) this.paths.push({ path: responsePathAsArray(info.path), ageSeconds });
  }
}

/**
 * Says in `extensions.stale` which paths were answered from expired cache entries and how old they
 * are: such answers carry no error, so without this a client could not tell them from fresh ones.
 */
export function staleExtensionPlugin(): ApolloServerPlugin<{ readonly stale: StaleAnswers }> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const { paths } = contextValue.stale;
          if (paths.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, stale: paths };
        },
      };
    },
  };
}
