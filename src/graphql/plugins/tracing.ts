import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestScope } from '../../observability/request-scope.js';

/**
 * The phases of each operation as spans under the request's span: parse, validate, execute.
 * Installed only when tracing is on. Apollo skips parsing and validation for a document it has
 * cached, so those spans appear only when the work was done; `gateway.document_cached` says so.
 */
export function tracingPlugin(): ApolloServerPlugin<{ readonly scope: RequestScope }> {
  return {
    async requestDidStart({ contextValue: { scope } }) {
      const { trace } = scope;
      if (!trace) return;
      let parsed = false;
      return {
        async parsingDidStart() {
          parsed = true;
          const span = trace.phase('graphql.parse');
          return async (error) => {
            if (error) span.fail('GRAPHQL_PARSE_FAILED');
            span.end();
          };
        },
        async validationDidStart() {
          const span = trace.phase('graphql.validate');
          return async (errors) => {
            if (errors?.length) span.fail('GRAPHQL_VALIDATION_FAILED');
            span.end();
          };
        },
        async didResolveOperation({ operation, operationName }) {
          if (operation) trace.operation(operation.operation, operationName ?? null);
          trace.set({ 'gateway.document_cached': !parsed });
        },
        async executionDidStart() {
          const span = trace.phase('graphql.execute');
          return {
            async executionDidEnd(error) {
              if (error) span.fail('INTERNAL_SERVER_ERROR');
              span.end();
            },
          };
        },
      };
    },
  };
}
