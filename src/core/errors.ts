import { GraphQLError } from 'graphql';

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
  /** The caller may not do this: read the Page it named (or, without one, any Page), or probe without the `operator` capability. Nothing was looked up. */
  FORBIDDEN: 'FORBIDDEN',
  /** The gateway itself is overloaded (HTTP 503 with Retry-After): nothing was tried. */
  OVERLOADED: 'OVERLOADED',
  /** A malformed HTTP request: body too large, not JSON (Apollo uses it for CSRF and batching refusals too). */
  BAD_REQUEST: 'BAD_REQUEST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The Graph API error behind a GatewayError; kept for the gateway's own decisions, never sent. */
export interface GraphErrorRef {
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  /** Asking again the same way never succeeds (code 1 "reduce the amount of data"): no retry. */
  readonly final?: boolean;
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

/**
 * The same answer whether or not the gateway serves that Page, so a scoped caller learns nothing
 * about the other Pages.
 */
export const forbiddenPage = () =>
  new GatewayError(ErrorCode.FORBIDDEN, 'This caller may not read this Page.', { argument: 'pageId' });

/** A probe tells whether a PSID exists: only operators may ask, and others learn nothing either way. */
export const probeForbidden = () =>
  new GatewayError(ErrorCode.FORBIDDEN, 'probePsid needs a caller with the operator capability (GATEWAY_CALLERS).', { argument: 'probePsid' });

export const upstreamUnavailable = (reason: string, graph?: GraphErrorRef) =>
  new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The Graph API could not be reached or gave no usable answer.', {
    reason,
  }, graph);

/**
 * The Graph API throttles the Page (or its app): every caller waits. `scope: "page"` tells it apart
 * from a caller's own budget (`scope: "caller"`).
 */
export const rateLimited = (extensions: { retryAfterSeconds?: number } = {}, graph?: GraphErrorRef) =>
  new GatewayError(ErrorCode.RATE_LIMITED, 'The Graph API is rate limiting this Page or app. Retry later.', { scope: 'page', ...extensions }, graph);

/** A Messenger user the Page does not know (the PSID belongs to another Page, or none). */
export const notFound = (graph?: GraphErrorRef) =>
  new GatewayError(ErrorCode.NOT_FOUND, 'No Messenger user with this PSID exists for this Page.', {}, graph);

/**
 * The Graph API refused the gateway's own credentials: the operator's problem, not the client's.
 * `reason` names the kind (expired, password_changed, app_removed, proof, invalid) when known.
 */
export const upstreamAuthFailed = (graph?: GraphErrorRef, reason?: string) =>
  new GatewayError(
    ErrorCode.UPSTREAM_AUTH_FAILED,
    'The gateway could not authenticate to the Graph API. The operator must check its Page token and app secret.',
    reason === undefined ? {} : { reason },
    graph,
  );

/** A whole lookup refused for a permission the Graph API does not name (degradation finds which). */
export const lookupPermissionRequired = (graph?: GraphErrorRef, named?: string) =>
  new GatewayError(
    ErrorCode.PERMISSION_REQUIRED,
    named ? `The Page's app lacks the ${named} permission.` : "The Page's app lacks a permission needed for the requested profile fields.",
    named ? { permission: named } : {},
    graph,
  );

/** A whole lookup refused for a field the version lacks; `graphField` lets degradation drop it and ask again. */
export const nonexistingField = (graphField: string | undefined, graph?: GraphErrorRef) =>
  new GatewayError(
    ErrorCode.FIELD_UNAVAILABLE,
    'A requested field does not exist on this Graph API version.',
    graphField === undefined ? {} : { graphField },
    graph,
  );

/** A profile field as the field errors name it; made by core/fields.ts's fieldFacts from the catalog. */
export interface FieldFacts {
  /** The schema's name, e.g. firstName. */
  readonly name: string;
  /** The Graph API's name, e.g. first_name. */
  readonly graph: string;
  readonly permission: string;
  /** First Graph API version without the field. */
  readonly removedIn?: string;
  /** First Graph API version with the field. */
  readonly addedIn?: string;
}

/**
 * The error at the path of a field the app lacks the permission for: the catalog's, or the one
 * the Graph API named (`named`, checked against a list of known names, never its text).
 */
export const permissionRequired = ({ name, permission: catalog }: FieldFacts, named?: string) => {
  const permission = named ?? catalog;
  return new GatewayError(ErrorCode.PERMISSION_REQUIRED, `${name} needs ${permission}, which the Page's app does not have.`, {
    field: name,
    permission,
  });
};

/** The error at the path of a field the Graph API version does not have. */
export const fieldUnavailable = ({ name, graph, removedIn, addedIn }: FieldFacts, version: string) => {
  const why = removedIn ? `: ${graph} was removed in ${removedIn}` : addedIn ? `: ${graph} exists from ${addedIn}` : '';
  return new GatewayError(ErrorCode.FIELD_UNAVAILABLE, `${name} is not available on Graph API ${version}${why}.`, {
    field: name,
    graphApiVersion: version,
  });
};

/** An IGSID the Page's Instagram account does not know (9010, "No matching Instagram user"). */
export const instagramNotFound = (graph?: GraphErrorRef) =>
  new GatewayError(ErrorCode.NOT_FOUND, "No Instagram user with this IGSID exists for this Page's Instagram account.", {}, graph);

/** avatarUrl asked of a gateway without AVATAR_SIGNING_KEY. */
export const avatarsOff = () =>
  new GatewayError(ErrorCode.FIELD_UNAVAILABLE, 'avatarUrl needs AVATAR_SIGNING_KEY, which this gateway is not configured with.', {
    field: 'avatarUrl',
  });

/**
 * A lookup refused for its caller alone (its budget, or its priority while the Page's quota runs
 * low), with no upstream call. Another caller asking for the same user may still be answered, so
 * the profile cache does not hand this refusal to operations that joined the lookup.
 */
export class CallerRefusal extends GatewayError {
  constructor(message: string, extensions: { scope: 'caller' | 'page'; retryAfterSeconds: number }) {
    super(ErrorCode.RATE_LIMITED, message, extensions);
  }
}

/** The caller has used its lookupsPerMinute. */
export const overBudget = (retryAfterSeconds: number) =>
  new CallerRefusal('This caller has used its budget of Graph API lookups. Retry later.', { scope: 'caller', retryAfterSeconds });

/** A bulk caller's lookup, while the Page's reported usage is at or past BULK_SHED_AT_PERCENT. */
export const shed = (retryAfterSeconds: number) =>
  new CallerRefusal("The Page's Graph API quota is running low; bulk callers wait. Retry later.", { scope: 'page', retryAfterSeconds });

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
