import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationOutcome } from '../../observability/metrics.js';
import { currentScope } from '../../observability/request-scope.js';

/**
 * Writes the operation's name, outcome and error codes into the request scope, for the one log
 * line and the metrics the HTTP layer emits when the response has been sent.
 */
export function operationOutcomePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName }) {
          const scope = currentScope();
          // Only a name Apollo resolved against the document: a client's operationName alone is unchecked text.
          if (scope) scope.operationName = operationName ?? null;
        },
        async willSendResponse({ response }) {
          const scope = currentScope();
          if (!scope || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          scope.errorCodes = (errors ?? []).map((error) => typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN');
          scope.outcome = outcomeOf(data, errors?.length ?? 0);
        },
      };
    },
  };
}

function outcomeOf(data: unknown, errorCount: number): OperationOutcome {
  if (errorCount === 0) return 'success';
  if (data === undefined) return 'rejected';
  return data === null ? 'failed' : 'partial';
}
