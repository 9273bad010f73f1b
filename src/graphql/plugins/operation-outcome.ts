import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationOutcome } from '../../observability/metrics.js';
import type { RequestScope } from '../../observability/request-scope.js';

/**
 * Writes the operation's name, outcome and error codes into the request scope, for the one log
 * line and the metrics the HTTP layer emits when the response has been sent.
 */
export function operationOutcomePlugin(): ApolloServerPlugin<{ readonly scope: RequestScope }> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, contextValue: { scope } }) {
          // Only a name Apollo resolved against the document: a client's operationName alone is unchecked text.
          scope.operationName = operationName ?? null;
        },
        async willSendResponse({ response, contextValue: { scope } }) {
          if (response.body.kind !== 'single') return;
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
