import { GatewayError } from '../../core/errors.js';
import type { LookupLayer } from '../../core/lookup.js';

export interface TracedExchangesOptions {
  /** Graph API base URL (no token, no PSID in it): its host names the peer. */
  readonly baseUrl: string;
  readonly pageId: string | undefined;
}

/**
 * A span per HTTP exchange with the batch endpoint, under the operation's trace: its status, its
 * sub-requests, which retry it was, how many entries failed. The chain places this layer only when
 * tracing is on, right above the call, so each span is one POST. Nothing of a request's content
 * is recorded: no PSID, no field value, no token.
 */
export function tracedExchanges({ baseUrl, pageId }: TracedExchangesOptions): LookupLayer {
  const host = new URL(baseUrl).host;
  return (next) => async (requests, call) => {
    if (!call.trace) return next(requests, call);
    const span = call.trace.child(
      'graph_api.batch',
      {
        'http.request.method': 'POST',
        'server.address': host,
        'gateway.page.id': pageId,
        'gateway.graph_api.sub_requests': requests.length,
        'gateway.graph_api.attempt': call.attempt ?? 0,
      },
      'client',
    );
    try {
      const answer = await next(requests, call);
      span.set({
        'http.response.status_code': answer.status,
        'gateway.graph_api.failed_sub_requests': answer.results.reduce((n, result) => (result instanceof Error ? n + 1 : n), 0),
      });
      if (answer.failure) span.fail(answer.failure instanceof GatewayError ? answer.failure.code : 'INTERNAL_SERVER_ERROR');
      return answer;
    } finally {
      span.end();
    }
  };
}
