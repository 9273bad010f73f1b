import { describe, expect, it } from 'vitest';
import { ErrorCode, GatewayError, UnexpectedUpstreamError } from '../../src/core/errors.js';
import { classifyGraphError, errorEnvelope, NO_PROFILE } from '../../src/graph-api/classify.js';
import type { GraphErrorBody } from '../../src/core/profile.js';

// A marker that must never leak into what a client reads: upstream messages are for the app's developer.
const SECRET = 'UPSTREAM-SECRET-42';
const body = (code: number, subcode?: number, message = `(#${code}) ${SECRET}`): GraphErrorBody => ({
  code,
  message,
  ...(subcode === undefined ? {} : { error_subcode: subcode }),
});

type Case = [label: string, http: number, error: GraphErrorBody | undefined, code: ErrorCode];

const cases: Case[] = [
  ['100/33 unknown PSID', 400, body(100, 33), ErrorCode.NOT_FOUND],
  ['100/2018001 no such user', 400, body(100, 2018001), ErrorCode.NOT_FOUND],
  ['102 session', 400, body(102), ErrorCode.UPSTREAM_AUTH_FAILED],
  ['104 signature', 400, body(104), ErrorCode.UPSTREAM_AUTH_FAILED],
  ['190 token', 401, body(190), ErrorCode.UPSTREAM_AUTH_FAILED],
  ['100 bad appsecret_proof', 400, body(100, undefined, `Invalid appsecret_proof ${SECRET}`), ErrorCode.UPSTREAM_AUTH_FAILED],
  ...[4, 17, 32, 613, 80001, 80006].map((c): Case => [`${c} throttled`, 400, body(c), ErrorCode.RATE_LIMITED]),
  // Rate limiting wins over the 5xx rule: a 503 with code 4 still says "come back later".
  ['4 on HTTP 503', 503, body(4), ErrorCode.RATE_LIMITED],
  ['10 permission', 403, body(10), ErrorCode.PERMISSION_REQUIRED],
  ['200 lower bound', 403, body(200), ErrorCode.PERMISSION_REQUIRED],
  ['250 in range', 403, body(250), ErrorCode.PERMISSION_REQUIRED],
  ['299 upper bound', 403, body(299), ErrorCode.PERMISSION_REQUIRED],
  ['100/2018247', 400, body(100, 2018247), ErrorCode.PERMISSION_REQUIRED],
  ['1 unknown error', 500, body(1), ErrorCode.UPSTREAM_UNAVAILABLE],
  ['2 service', 400, body(2), ErrorCode.UPSTREAM_UNAVAILABLE],
  ['is_transient on 400', 400, { code: 12345, is_transient: true, message: SECRET }, ErrorCode.UPSTREAM_UNAVAILABLE],
  ['HTTP 500 unknown code', 500, body(12345), ErrorCode.UPSTREAM_UNAVAILABLE],
  ['HTTP 502 no body', 502, undefined, ErrorCode.UPSTREAM_UNAVAILABLE],
];

describe('classifyGraphError', () => {
  it.each([
    ['100/2018218', 400, body(100, 2018218)],
    ['551', 400, body(551)],
    // A user who never wrote to the Page (Messenger), or only commented (Instagram).
    ['230 consent', 403, body(230, undefined, '(#230) User consent is required to access user profile')],
  ])('%s means "no profile", not an error', (_label, http, error) => {
    expect(classifyGraphError(http, error)).toBe(NO_PROFILE);
  });

  it('230 "Requires pages_messaging permission" stays a permission error, naming the permission and nothing else of the text', () => {
    const result = classifyGraphError(403, body(230, undefined, `(#230) Requires pages_messaging permission to manage the object ${SECRET}`));
    expect(result).toMatchObject({ code: ErrorCode.PERMISSION_REQUIRED, extensions: { permission: 'pages_messaging' } });
    expect((result as GatewayError).message).toBe("The Page's app lacks the pages_messaging permission.");
    expect(JSON.stringify((result as GatewayError).extensions)).not.toContain(SECRET);
  });

  it('names an Instagram permission the message names; a permission it does not know is not repeated', () => {
    expect(classifyGraphError(400, body(200, undefined, 'Requires instagram_manage_messages permission'))).toMatchObject({
      extensions: { permission: 'instagram_manage_messages' },
    });
    const unknown = classifyGraphError(400, body(200, undefined, `Requires ${SECRET}_permission permission`)) as GatewayError;
    expect(unknown.extensions.permission).toBeUndefined();
  });

  it('9010 "No matching Instagram user" is NOT_FOUND', () => {
    expect(classifyGraphError(400, body(9010, undefined, '(#9010) No matching Instagram user'))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: "No Instagram user with this IGSID exists for this Page's Instagram account.",
    });
  });

  it.each(cases)('%s → %s', (_label, http, error, code) => {
    const result = classifyGraphError(http, error);
    expect(result).toBeInstanceOf(GatewayError);
    const gatewayError = result as GatewayError;
    expect(gatewayError.code).toBe(code);
    expect(gatewayError.extensions.code).toBe(code);
    expect(gatewayError.message).not.toContain(SECRET);
    expect(JSON.stringify(gatewayError.extensions)).not.toContain(SECRET);
  });

  it.each([
    ['100/33', body(100, 33), { code: 100, subcode: 33 }],
    ['190', body(190), { code: 190, subcode: undefined }],
    ['613', body(613), { code: 613, subcode: undefined }],
    ['100/2018247', body(100, 2018247), { code: 100, subcode: 2018247 }],
  ])('%s keeps the Graph code and subcode for the gateway', (_label, error, graph) => {
    expect((classifyGraphError(400, error) as GatewayError).graph).toEqual(graph);
  });

  it('names the missing Graph field of a nonexisting-field error', () => {
    const result = classifyGraphError(400, body(100, undefined, 'Tried accessing nonexisting field (gender) on node type (User)'));
    expect(result).toBeInstanceOf(GatewayError);
    const error = result as GatewayError;
    expect(error.code).toBe(ErrorCode.FIELD_UNAVAILABLE);
    expect(error.extensions.graphField).toBe('gender');
    expect(error.message).not.toContain('nonexisting');
    expect(error.graph).toEqual({ code: 100, subcode: undefined });
  });

  it('does not read a nonexisting-field message under another code', () => {
    const result = classifyGraphError(400, body(12345, undefined, 'Tried accessing nonexisting field (gender)'));
    expect(result).toBeInstanceOf(UnexpectedUpstreamError);
  });

  it.each([
    ['12345 on 400', 400, body(12345, 7)],
    ['100 with another subcode', 400, body(100, 99)],
    ['no body on 404', 404, undefined],
  ])('%s has no client-facing code', (_label, http, error) => {
    const result = classifyGraphError(http, error);
    expect(result).toBeInstanceOf(UnexpectedUpstreamError);
    expect(result).not.toBeInstanceOf(GatewayError);
    expect((result as UnexpectedUpstreamError).message).not.toContain(SECRET);
    expect((result as UnexpectedUpstreamError).details).toMatchObject({ httpStatus: http, code: error?.code });
  });
});

describe('real answer shapes', () => {
  it('(#230) "User consent is required" is no profile; "(#230) Requires pages_messaging permission" is PERMISSION_REQUIRED', () => {
    expect(classifyGraphError(403, body(230, undefined, '(#230) User consent is required to access user profile'))).toBe(NO_PROFILE);
    expect((classifyGraphError(403, body(230, undefined, '(#230) Requires pages_messaging permission to manage the object')) as GatewayError).code).toBe(ErrorCode.PERMISSION_REQUIRED);
  });

  it('"Object with ID … does not exist" without subcode 33 is NOT_FOUND; under another code it is not', () => {
    const message = "Unsupported get request. Object with ID '123' does not exist, cannot be loaded due to missing permissions";
    expect((classifyGraphError(400, body(100, undefined, message)) as GatewayError).code).toBe(ErrorCode.NOT_FOUND);
    expect(classifyGraphError(400, body(12345, undefined, message))).toBeInstanceOf(UnexpectedUpstreamError);
  });

  it('code 4 with is_transient: true is RATE_LIMITED', () => {
    expect((classifyGraphError(400, { code: 4, is_transient: true, message: 'x' }) as GatewayError).code).toBe(ErrorCode.RATE_LIMITED);
  });

  it('code 1 "reduce the amount of data" is final (never asked again as is); another code 1 is transient', () => {
    const reduce = classifyGraphError(500, { code: 1, is_transient: false, message: "Please reduce the amount of data you're asking for, then retry your request" }) as GatewayError;
    expect(reduce.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(reduce.graph?.final).toBe(true);
    expect((classifyGraphError(500, body(1)) as GatewayError).graph?.final).toBeUndefined();
  });

  it.each([
    [190, 460, 'password_changed'],
    [190, 463, 'expired'],
    [190, 458, 'app_removed'],
    [190, 467, 'invalid'],
    [102, undefined, 'invalid'],
  ])('auth failure %s/%s names its reason: %s', (code, subcode, reason) => {
    expect((classifyGraphError(400, body(code, subcode)) as GatewayError).extensions.reason).toBe(reason);
  });

  it('a refused appsecret_proof names the proof', () => {
    const error = classifyGraphError(400, { code: 100, type: 'GraphMethodException', message: 'Invalid appsecret_proof provided in the API argument' }) as GatewayError;
    expect(error.extensions).toMatchObject({ code: ErrorCode.UPSTREAM_AUTH_FAILED, reason: 'proof' });
  });
});

describe('errorEnvelope', () => {
  it.each<[string, unknown, GraphErrorBody | undefined]>([
    ['an envelope', { error: { code: 4, message: 'x' } }, { code: 4, message: 'x' }],
    ['a code sent as a string', { error: { code: '200', error_subcode: '2018247' } }, { code: 200, error_subcode: 2018247 }],
    ['a code that is no number', { error: { code: 'two hundred' } }, {}],
    ['a profile', { id: '1', name: 'A' }, undefined],
    ['null', null, undefined],
    ['a string', 'error', undefined],
    ['error: null', { error: null }, undefined],
    ['error: a string', { error: 'boom' }, undefined],
  ])('%s', (_label, input, expected) => {
    expect(errorEnvelope(input)).toEqual(expected);
  });
});
