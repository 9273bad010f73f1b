import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { RequestScope } from '../observability/request-scope.js';

/**
 * Whether an error reaches the client as itself: gateway errors, and request-level errors (parse,
 * validation, variables, introspection off), which carry no path and a specific code. Apollo gives
 * INTERNAL_SERVER_ERROR to everything it cannot place.
 */
function passes(error: unknown, code: unknown, path: unknown): boolean {
  if (unwrapResolverError(error) instanceof GatewayError) return true;
  return !path && typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * The one place where errors are masked before reaching a client: anything that does not pass (a
 * bug, an unexpected upstream answer) becomes a generic INTERNAL_SERVER_ERROR, logged in full by
 * the plugin below. Never throws.
 */
export function createFormatError() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    try {
      if (passes(error, formatted.extensions?.code, formatted.path)) {
        if (!(unwrapResolverError(error) instanceof GatewayError)) return formatted;
        // Expected outcomes, not bugs: a stack trace would only be noise, even in development.
        const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
      }
    } catch {
      // fall through to the masked error
    }
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** Logs each error that formatting will mask, in full and with the request's id. */
export function maskedErrorLogPlugin(logger: Logger): ApolloServerPlugin<{ readonly scope: RequestScope }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            if (passes(error, error.extensions?.code, error.path)) continue;
            logger.error({ err: unwrapResolverError(error), path: error.path, requestId: contextValue.scope.requestId }, 'internal error masked');
          }
        },
      };
    },
  };
}
