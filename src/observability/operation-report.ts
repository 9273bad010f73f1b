import type { Logger } from './logger.js';
import type { GatewayMetrics, OperationOutcome } from './metrics.js';
import type { RequestScope } from './request-scope.js';

export type ReportOperation = (scope: RequestScope, end: { readonly status: number; readonly durationMs: number }) => void;

/**
 * The one log line, the metrics and the end of the span of each GraphQL request, emitted once its
 * response is sent: what it was, how it ended and how many Graph API calls it cost.
 */
export function operationReporter(metrics: GatewayMetrics, logger: Logger): ReportOperation {
  // Every field of this line is made by the gateway (a validated request id, a GraphQL
  // name Apollo resolved, fixed words, numbers, error codes, a trace id), never a secret, so it
  // skips the redaction walk every other line pays. Lines still pass the destination's secret scrubbing.
  const lines = logger.child({}, { redact: { paths: [] } });
  return (scope, { status, durationMs }) => {
    const outcome = outcomeOf(scope.outcome, status);
    const operation = metrics.observeOperation({ name: scope.operationName, outcome, durationMs, upstreamRequests: scope.upstreamRequests });
    const { trace } = scope;
    trace?.finish({ outcome, status, errorCodes: scope.errorCodes, upstreamRequests: scope.upstreamRequests, upstreamSubRequests: scope.upstreamSubRequests });
    if (!lines.isLevelEnabled('info')) return;
    const line: Record<string, unknown> = {
      requestId: scope.requestId,
      caller: scope.caller ?? null,
      operation,
      outcome,
      status,
      upstreamRequests: scope.upstreamRequests,
      upstreamSubRequests: scope.upstreamSubRequests,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(scope.errorCodes.length > 0 ? { errorCodes: scope.errorCodes } : {}),
    };
    // Joins the line to its trace in the collector.
    if (trace) line.traceId = trace.traceId;
    lines.info(line, 'operation');
  };
}

/**
 * Apollo checks the Accept header only after executing, so a 406 follows a result Apollo called
 * complete: an HTTP error status means the client got no data, whatever execution made.
 */
function outcomeOf(executed: OperationOutcome | undefined, status: number): OperationOutcome {
  if (executed === undefined || (status >= 400 && (executed === 'success' || executed === 'partial'))) return outcomeOfStatus(status);
  return executed;
}

/** For requests Apollo never saw through (refused at the HTTP layer, CSRF, batching). */
function outcomeOfStatus(status: number): OperationOutcome {
  if (status === 401) return 'unauthenticated';
  if (status >= 500) return 'failed';
  return status >= 400 ? 'rejected' : 'success';
}
