import { randomUUID } from 'node:crypto';
import type { OperationOutcome } from './metrics.js';
import type { RequestTrace } from './tracing.js';

/**
 * What the gateway learns about one GraphQL request while serving it; reported once at the end.
 * It travels explicitly: in the GraphQL context, and into the Page chain inside each LookupCall.
 */
export interface RequestScope {
  readonly requestId: string;
  /** Name of the caller whose key the request carried; undefined when the endpoint is open or no key matched. */
  caller: string | undefined;
  /** Validated operation name; null when anonymous; undefined until (unless) Apollo resolves one. */
  operationName: string | null | undefined;
  outcome: OperationOutcome | undefined;
  /** `extensions.code` of each error in the response. */
  errorCodes: string[];
  upstreamRequests: number;
  upstreamSubRequests: number;
  /** The request's span; undefined when tracing is off (or the sampler dropped it). */
  readonly trace: RequestTrace | undefined;
}

export function newRequestScope(requestId: string, trace?: RequestTrace): RequestScope {
  return { requestId, caller: undefined, operationName: undefined, outcome: undefined, errorCodes: [], upstreamRequests: 0, upstreamSubRequests: 0, trace };
}

/** Charges one Graph API exchange of `subRequests` users to the request. */
export function charge(scope: RequestScope, subRequests: number): void {
  scope.upstreamRequests += 1;
  scope.upstreamSubRequests += subRequests;
}

// Characters safe in a log line and a response header; anything else is replaced by our own id.
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}
