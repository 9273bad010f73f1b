import {
  type GatewayError,
  lookupPermissionRequired,
  nonexistingField,
  instagramNotFound,
  notFound,
  rateLimited,
  UnexpectedUpstreamError,
  upstreamAuthFailed,
  upstreamUnavailable,
} from '../core/errors.js';
import { isGraphField } from '../core/fields.js';
import type { GraphErrorBody } from '../core/profile.js';

/** The Graph API said the user exists for the Page but has no profile to show: not an error. */
export const NO_PROFILE = Symbol('no profile');
export type Classified = GatewayError | UnexpectedUpstreamError | typeof NO_PROFILE;

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80006]);
const AUTH_CODES = new Set([102, 104, 190]);
const NONEXISTING_FIELD = /nonexisting field \(([^)]+)\)/i;
// Answers from before ~2016 say this without subcode 33.
const OBJECT_DOES_NOT_EXIST = /Unsupported get request\. Object with ID .* does not exist/i;
// Code 1 with this text never succeeds when asked again as is: the batch must shrink.
const REDUCE_DATA = /reduce the amount of data/i;

/** Why a Page token was refused, from the error's code, subcode and (for the proof) message. */
type TokenProblem = 'expired' | 'password_changed' | 'app_removed' | 'proof' | 'invalid';

function tokenProblem(code: number | undefined, subcode: number | undefined, message: string): TokenProblem {
  if (code === 100 || /appsecret_proof/i.test(message)) return 'proof';
  if (subcode === 463) return 'expired';
  if (subcode === 460) return 'password_changed';
  if (subcode === 458) return 'app_removed';
  return 'invalid';
}

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
    return instagramNotFound(graph);
  }
  if (code === 100 && (subcode === 33 || subcode === 2018001 || (subcode === undefined && OBJECT_DOES_NOT_EXIST.test(message)))) {
    return notFound(graph);
  }
  if ((code !== undefined && AUTH_CODES.has(code)) || (code === 100 && /appsecret_proof/i.test(message))) {
    return upstreamAuthFailed(graph, tokenProblem(code, subcode, message));
  }
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
    return rateLimited({}, graph);
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299) || (code === 100 && subcode === 2018247)) {
    return lookupPermissionRequired(graph, KNOWN_PERMISSIONS.exec(message)?.[1]);
  }
  const nonexisting = code === 100 ? NONEXISTING_FIELD.exec(message) : null;
  if (nonexisting) {
    const field = nonexisting[1]!;
    return nonexistingField(isGraphField(field) ? field : undefined, graph);
  }
  if (code === 1 && REDUCE_DATA.test(message)) {
    return upstreamUnavailable('Graph API asked for less data', { ...graph, final: true });
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
 * members of the documented types: a code that is neither a number nor a string of digits is no code.
 */
export function errorEnvelope(body: unknown): GraphErrorBody | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const raw = error as Record<string, unknown>;
  // A code sent as a string ("200") is seen from the real API: read it as the number it spells.
  const integer = (value: unknown) => {
    const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
    return Number.isSafeInteger(n) ? (n as number) : undefined;
  };
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
