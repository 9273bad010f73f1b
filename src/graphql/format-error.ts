import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { RequestScope } from '../observability/request-scope.js';

/**
 * What reaches the client: a gateway error as itself; a request-level error (parse, validation,
 * variables, introspection off), which carries no path and a specific code, as itself; a refusal
 * Apollo makes with an HTTP 4xx but no code (a persisted-query hash that does not match its
 * query) as BAD_REQUEST; anything else (a bug, an unexpected upstream answer) masked. Apollo gives
 * INTERNAL_SERVER_ERROR to everything it cannot place.
 */
function kindOf(error: unknown, code: unknown, path: unknown): 'gateway' | 'request' | 'refusal' | 'masked' {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) return 'gateway';
  if (path) return 'masked';
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return 'request';
  return isClientRefusal(original) ? 'refusal' : 'masked';
}

function isClientRefusal(error: unknown): boolean {
  const status = error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The one place where errors are masked before reaching a client (see kindOf); what is masked is
 * logged in full by the plugin below. Never throws.
 */
export function createFormatError() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    try {
      switch (kindOf(error, formatted.extensions?.code, formatted.path)) {
        case 'gateway': {
          // Expected outcomes, not bugs: a stack trace would only be noise, even in development.
          const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
          return { ...formatted, extensions };
        }
        case 'request':
          return formatted;
        case 'refusal':
          return { message: formatted.message, extensions: { code: ErrorCode.BAD_REQUEST } };
        case 'masked':
          break;
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
            if (kindOf(error, error.extensions?.code, error.path) !== 'masked') continue;
            logger.error({ err: unwrapResolverError(error), path: error.path, requestId: contextValue.scope.requestId }, 'internal error masked');
          }
        },
      };
    },
  };
}
