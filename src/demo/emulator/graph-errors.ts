import { randomBytes } from 'node:crypto';

/** A Graph API error as the emulator sends it: the HTTP status and the envelope's `error` member. */
export interface EmulatedError {
  readonly status: number;
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: number;
    readonly error_subcode?: number;
    readonly is_transient?: boolean;
    readonly error_user_title?: string;
    readonly error_user_msg?: string;
  };
}

/** The envelope sent on the wire, with a fresh fbtrace_id. */
export function envelope(e: EmulatedError): { error: Record<string, unknown> } {
  return { error: { ...e.error, fbtrace_id: randomBytes(8).toString('base64url') } };
}

const TOKEN_MESSAGES = {
  458: 'Error validating access token: User has not authorized application.',
  460: 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  463: 'Error validating access token: Session has expired on Friday, 04-Dec-26 10:00:00 PST. The current time is Friday, 04-Dec-26 11:00:00 PST.',
} as const;

const err = (status: number, code: number, message: string, type = 'OAuthException', more: object = {}): EmulatedError => ({
  status,
  error: { message, type, code, ...more },
});

/** The errors GRAPH_API.md documents, with the codes, subcodes and statuses seen from the real API. */
export const GraphErrors = {
  invalidToken: () => err(400, 190, 'Invalid OAuth access token - Cannot parse access token'),
  missingToken: () => err(400, 104, 'An access token is required to request this resource.'),
  missingProof: () => err(400, 100, 'API calls from the server require an appsecret_proof argument', 'GraphMethodException'),
  invalidProof: () => err(400, 100, 'Invalid appsecret_proof provided in the API argument', 'GraphMethodException'),
  // A PSID's node type, as real answers name it; an IGSID's is the caller's to say.
  nonexistingField: (field: string, nodeType = 'MessengerPageScopedID') =>
    err(400, 100, `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`),
  insufficientPermission: (status = 400) =>
    err(status, 100, '(#100) Insufficient permission to access user profile.', 'OAuthException', { error_subcode: 2018247 }),
  objectNotFound: (id: string) =>
    err(
      400,
      100,
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      'GraphMethodException',
      { error_subcode: 33 },
    ),
  /** Answers from before ~2016: the same text without subcode 33. */
  legacyObjectNotFound: (id: string) =>
    err(400, 100, `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, 'GraphMethodException'),
  /** A user who never wrote to the Page: no profile (HTTP 403 seen). */
  consentRequired: () => err(403, 230, '(#230) User consent is required to access user profile'),
  /** The same code for a real permission problem. */
  requiresPagesMessaging: () => err(403, 230, '(#230) Requires pages_messaging permission to manage the object'),
  /** A dead Page token: 458 app removed, 460 password changed, 463 expired. */
  tokenRefused: (subcode: 458 | 460 | 463) =>
    err(400, 190, TOKEN_MESSAGES[subcode], 'OAuthException', { error_subcode: subcode }),
  /** Never succeeds when asked again as is: the batch must shrink. */
  reduceData: () => err(500, 1, "Please reduce the amount of data you're asking for, then retry your request", 'OAuthException', { is_transient: false }),
  /** Code 4 arrives with is_transient: true; the rate limit is what counts. */
  rateLimitedTransient: () => err(400, 4, '(#4) Application request limit reached', 'OAuthException', { is_transient: true }),
  /** Code 2 also comes with HTTP 400. */
  serviceError400: () => err(400, 2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException', { is_transient: true }),
  noMatchingUser: () => err(400, 100, 'No matching user found', 'OAuthException', { error_subcode: 2018001 }),
  noProfile: () => err(400, 100, 'No profile available for this user.', 'OAuthException', { error_subcode: 2018218 }),
  /** An IGSID the Instagram account does not know (a deleted account). */
  noMatchingInstagramUser: () => err(400, 9010, '(#9010) No matching Instagram user'),
  /** The app lacks an Instagram permission (form seen in client test fixtures; unconfirmed for profiles). */
  instagramPermission: (permission: string) => err(400, 200, `(#200) Requires ${permission} permission`),
  blockedByUser: () => err(400, 551, 'This person isn\'t available right now.', 'OAuthException', { error_subcode: 1545041 }),
  tooManyInBatch: () => err(400, 100, '(#100) Too many requests in batch message. Maximum batch size is 50'),
  badBatch: (detail: string) => err(400, 100, `(#100) ${detail}`),
  unsupportedIds: () => err(400, 100, '(#100) Requests to the root node with ids are no longer supported; use batch requests'),
  unknownPath: (path: string) => err(400, 2500, `Unknown path components: ${path}`),
  rateLimited: (code: 4 | 17 | 32 | 613 | 80001 | 80006) =>
    err(400, code, `(#${code}) ${code === 4 ? 'Application request limit reached' : code === 17 ? 'User request limit reached' : code === 32 ? 'Page request limit reached' : 'There have been too many calls to this Messenger account. Wait a bit and try again.'}`),
  serviceError: () =>
    err(500, 2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException', { is_transient: true }),
  unknownError: () => err(500, 1, 'An unknown error occurred', 'OAuthException', { is_transient: false }),
} as const;
