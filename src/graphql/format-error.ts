import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/**
 * The one place where errors are masked before reaching a client. Gateway errors and request
 * errors pass; anything else (a bug, an unexpected upstream answer) becomes a generic
 * INTERNAL_SERVER_ERROR and is logged in full. Never throws.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    try {
      const original = unwrapResolverError(error);
      if (original instanceof GatewayError) {
        // Expected outcomes, not bugs: a stack trace would only be noise, even in development.
        const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
      }
      // Request-level errors (parse, validation, variables, introspection off) carry no path and a
      // specific code; Apollo gives INTERNAL_SERVER_ERROR to everything it cannot place.
      const code = formatted.extensions?.code;
      if (!formatted.path && typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
        return formatted;
      }
      // Apollo refuses some requests with an HTTP 4xx but no code (a persisted-query hash that
      // does not match its query): the client's mistake, not an internal error.
      if (!formatted.path && isClientRefusal(original)) {
        return { message: formatted.message, extensions: { code: ErrorCode.BAD_REQUEST } };
      }
      logger.error({ err: original, path: formatted.path }, 'internal error masked');
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

function isClientRefusal(error: unknown): boolean {
  const status = error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}
