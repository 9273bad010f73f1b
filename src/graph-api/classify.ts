import { ErrorCode, GatewayError, rateLimited, UnexpectedUpstreamError, upstreamUnavailable } from '../core/errors.js';
import { isGraphField } from '../core/fields.js';
import type { GraphErrorBody } from '../core/profile.js';

/** The Graph API said the user exists for the Page but has no profile to show: not an error. */
export const NO_PROFILE = Symbol('no profile');
export type Classified = GatewayError | UnexpectedUpstreamError | typeof NO_PROFILE;

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80006]);
const AUTH_CODES = new Set([102, 104, 190]);
const NONEXISTING_FIELD = /nonexisting field \(([^)]+)\)/i;

/**
 * Consent and Instagram answers, in one place. Code 230 is two things, told apart by the message
 * alone: "(#230) User consent is required to access user profile" (HTTP 403) is a user who never
 * wrote to the Page, or on Instagram only commented: no profile, not an error; "(#230) Requires
 * pages_messaging permission" stays a permission error. "(#9010) No matching Instagram user"
 * (HTTP 400) is an IGSID the account does not know (a deleted account). A blocked Instagram user
 * answers without fields: the `{}` rule, like Messenger's.
 */
function isMissingConsent(error: GraphErrorBody | undefined): boolean {
  return error?.code === 230 && /user consent is required/i.test(error.message ?? '');
}
const NO_MATCHING_INSTAGRAM_USER = 9010;

/** Permissions a Graph API message may name; only these are repeated to a client, never the text. */
const KNOWN_PERMISSIONS = /\b(instagram_basic|instagram_manage_messages|pages_messaging|pages_manage_metadata|pages_read_engagement|pages_show_list|pages_user_locale|pages_user_timezone|pages_user_gender)\b/;

/**
 * The one mapping from a Graph API error (HTTP status plus error envelope) to what the client
 * sees. Upstream messages are never passed through: they are written for the app's developer,
 * and an upstream (or a proxy on the way) could echo anything in them, the token included. What
 * reaches a client is gateway-made: a code, a number, or a field name from the catalog.
 */
export function classifyGraphError(httpStatus: number, error: GraphErrorBody | undefined): Classified {
  const code = error?.code;
  const subcode = error?.error_subcode;
  const message = error?.message ?? '';
  const graph = { code, subcode };

  if ((code === 100 && subcode === 2018218) || code === 551 || isMissingConsent(error)) return NO_PROFILE;
  if (code === NO_MATCHING_INSTAGRAM_USER) {
    return new GatewayError(ErrorCode.NOT_FOUND, "No Instagram user with this IGSID exists for this Page's Instagram account.", {}, graph);
  }
  if (code === 100 && (subcode === 33 || subcode === 2018001)) {
    return new GatewayError(ErrorCode.NOT_FOUND, 'No Messenger user with this PSID exists for this Page.', {}, graph);
  }
  if ((code !== undefined && AUTH_CODES.has(code)) || (code === 100 && /appsecret_proof/i.test(message))) {
    return new GatewayError(
      ErrorCode.UPSTREAM_AUTH_FAILED,
      'The gateway could not authenticate to the Graph API. The operator must check its Page token and app secret.',
      {},
      graph,
    );
  }
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
    return rateLimited({}, graph);
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299) || (code === 100 && subcode === 2018247)) {
    const named = KNOWN_PERMISSIONS.exec(message)?.[1];
    return new GatewayError(
      ErrorCode.PERMISSION_REQUIRED,
      named ? `The Page's app lacks the ${named} permission.` : "The Page's app lacks a permission needed for the requested profile fields.",
      named ? { permission: named } : {},
      graph,
    );
  }
  const nonexisting = code === 100 ? NONEXISTING_FIELD.exec(message) : null;
  if (nonexisting) {
    const field = nonexisting[1]!;
    return new GatewayError(
      ErrorCode.FIELD_UNAVAILABLE,
      'A requested field does not exist on this Graph API version.',
      isGraphField(field) ? { graphField: field } : {},
      graph,
    );
  }
  if (code === 1 || code === 2 || error?.is_transient === true || httpStatus >= 500) {
    return upstreamUnavailable(`Graph API error ${code ?? 'without code'} (HTTP ${httpStatus})`);
  }
  return new UnexpectedUpstreamError('Unexpected Graph API error', {
    httpStatus,
    code,
    subcode,
    type: error?.type,
    fbtraceId: error?.fbtrace_id,
  });
}

/**
 * The `error` member of a parsed body, when the body is a Graph API error envelope, keeping only
 * members of the documented types: a code that is not a number is no code.
 */
export function errorEnvelope(body: unknown): GraphErrorBody | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const raw = error as Record<string, unknown>;
  const integer = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : undefined);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    message: text(raw.message),
    type: text(raw.type),
    code: integer(raw.code),
    error_subcode: integer(raw.error_subcode),
    fbtrace_id: text(raw.fbtrace_id),
    is_transient: typeof raw.is_transient === 'boolean' ? raw.is_transient : undefined,
  };
}
