import type { Logger } from './logger.js';
import type { GatewayMetrics, OperationOutcome } from './metrics.js';
import type { RequestScope } from './request-scope.js';

/**
 * The one log line and the metrics of one GraphQL request, emitted once its response is sent: what
 * it was, how it ended and how many Graph API calls it cost.
 */
export function reportOperation(
  scope: RequestScope,
  { status, durationMs }: { status: number; durationMs: number },
  { metrics, logger }: { metrics: GatewayMetrics; logger: Logger },
): void {
  const outcome = scope.outcome ?? outcomeOfStatus(status);
  metrics.observeOperation({ name: scope.operationName, outcome, durationMs, upstreamRequests: scope.upstreamRequests });
  logger.info(
    {
      requestId: scope.requestId,
      caller: scope.caller ?? null,
      operation: scope.operationName ?? null,
      outcome,
      status,
      upstreamRequests: scope.upstreamRequests,
      upstreamSubRequests: scope.upstreamSubRequests,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(scope.errorCodes.length > 0 ? { errorCodes: scope.errorCodes } : {}),
    },
    'operation',
  );
}

/** For requests Apollo never saw through (refused at the HTTP layer, CSRF, batching). */
function outcomeOfStatus(status: number): OperationOutcome {
  if (status === 401) return 'unauthenticated';
  if (status >= 500) return 'failed';
  return status >= 400 ? 'rejected' : 'success';
}
