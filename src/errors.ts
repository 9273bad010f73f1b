import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger.js';

/** The closed set of codes a client sees in `errors[].extensions.code`. */
export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  UPSTREAM_AUTH_FAILED: 'UPSTREAM_AUTH_FAILED',
  RATE_LIMITED: 'RATE_LIMITED',
  PERMISSION_REQUIRED: 'PERMISSION_REQUIRED',
  FIELD_UNAVAILABLE: 'FIELD_UNAVAILABLE',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** No or an unknown API key (HTTP 401), before anything else is read. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A malformed HTTP request: body too large, not JSON (Apollo uses it for CSRF and batching refusals too). */
  BAD_REQUEST: 'BAD_REQUEST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The Graph API error behind a GatewayError; kept for the gateway's own decisions, never sent. */
export interface GraphErrorRef {
  readonly code: number | undefined;
  readonly subcode: number | undefined;
}

/** An error the gateway means a client to see: its message and extensions pass unmasked. */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(
    code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
    readonly graph?: GraphErrorRef,
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.code = code;
    this.name = 'GatewayError';
  }

  /** The same error with more extensions (GraphQLError extensions are read-only). */
  with(extensions: Record<string, unknown>): GatewayError {
    return new GatewayError(this.code, this.message, { ...this.extensions, ...extensions }, this.graph);
  }
}

export function hasCode(error: unknown, code: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && error.code === code;
}

export const badUserInput = (message: string, extensions?: Record<string, unknown>) =>
  new GatewayError(ErrorCode.BAD_USER_INPUT, message, extensions);

export const upstreamUnavailable = (reason: string) =>
  new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The Graph API could not be reached or gave no usable answer.', {
    reason,
  });

export const rateLimited = (extensions: { retryAfterSeconds?: number } = {}, graph?: GraphErrorRef) =>
  new GatewayError(ErrorCode.RATE_LIMITED, 'The Graph API is rate limiting this Page or app. Retry later.', extensions, graph);

/**
 * An upstream failure that has no client-facing code. It carries details for the logs; the client
 * sees only INTERNAL_SERVER_ERROR.
 */
export class UnexpectedUpstreamError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'UnexpectedUpstreamError';
  }
}

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
