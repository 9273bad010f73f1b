import type { IncomingHttpHeaders } from 'node:http';
import type { TraceSpan } from '../core/lookup.js';
import type { OperationOutcome } from './metrics.js';

/**
 * The gateway's tracer, made by observability/otel.ts only when an OTLP endpoint is configured;
 * everything else sees this interface, and `undefined` when tracing is off.
 */
export interface GatewayTracer {
  /**
   * Starts the span of one GraphQL request, a child of the caller's W3C `traceparent` when it sent
   * one and TRACEPARENT_FROM trusts it (`authenticated`: the request carried a caller's key).
   * Undefined when the sampler drops the trace: nothing further is recorded for the request.
   */
  startRequest(request: {
    readonly method: string;
    readonly headers: IncomingHttpHeaders;
    readonly requestId: string;
    readonly authenticated: boolean;
  }): RequestTrace | undefined;
  /** Exports what is still buffered, then stops. */
  close(): Promise<void>;
}

/** How a request ended, as the operation line reports it. */
export interface RequestEnd {
  readonly outcome: OperationOutcome;
  readonly status: number;
  readonly errorCodes: readonly string[];
  readonly upstreamRequests: number;
  readonly upstreamSubRequests: number;
}

/**
 * The span of one GraphQL request. Spans the layers open under it (cache lookups, Graph API
 * calls) nest under the phase running at the time (execute), or under the request itself.
 */
export interface RequestTrace extends TraceSpan {
  readonly traceId: string;
  /** Names the span after the operation Apollo resolved, e.g. `query Headline`. */
  operation(type: string, name: string | null): void;
  /** Opens a phase (parse, validate, execute); until it ends, children nest under it. */
  phase(name: string): TraceSpan;
  /** Records how the request ended and ends its span. */
  finish(end: RequestEnd): void;
}
