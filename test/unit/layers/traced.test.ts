import { describe, expect, it } from 'vitest';
import { tracedExchanges } from '../../../src/chain/layers/traced.js';
import { upstreamUnavailable } from '../../../src/core/errors.js';
import type { SpanAttributes, TraceSpan } from '../../../src/core/lookup.js';
import { fakeNext, profile, request } from './fake.js';

/** A trace that records the spans opened under it. */
function recordingTrace() {
  const spans: { name: string; kind: string | undefined; attributes: Record<string, unknown>; failed?: string; ended: boolean }[] = [];
  const trace: TraceSpan = {
    child(name, attributes: SpanAttributes = {}, kind) {
      const span = { name, kind, attributes: { ...attributes }, ended: false } as (typeof spans)[number];
      spans.push(span);
      return {
        child: () => trace,
        set: (more) => Object.assign(span.attributes, more),
        fail: (code) => (span.failed = code),
        end: () => (span.ended = true),
      };
    },
    set: () => undefined,
    fail: () => undefined,
    end: () => undefined,
  };
  return { trace, spans };
}

const layer = tracedExchanges({ baseUrl: 'https://graph.facebook.com', pageId: '1234' });

describe('traced layer', () => {
  it('opens a client span per exchange with its status, sub-requests, attempt and failed entries, and no PSID', async () => {
    const { trace, spans } = recordingTrace();
    const { next, seen } = fakeNext(() => ({ results: [profile(), upstreamUnavailable('null entry')], status: 200 }));
    const call = { trace, attempt: 1 };
    await layer(next)([request(1), request(2)], call);
    expect(seen).toEqual([{ requests: [request(1), request(2)], call }]);
    expect(spans).toEqual([
      {
        name: 'graph_api.batch',
        kind: 'client',
        attributes: {
          'http.request.method': 'POST',
          'server.address': 'graph.facebook.com',
          'gateway.page.id': '1234',
          'gateway.graph_api.sub_requests': 2,
          'gateway.graph_api.attempt': 1,
          'http.response.status_code': 200,
          'gateway.graph_api.failed_sub_requests': 1,
        },
        ended: true,
      },
    ]);
    expect(JSON.stringify(spans)).not.toContain(request(1).user.id);
  });

  it('marks the span failed with the code when the exchange failed as a whole; ends it when next throws', async () => {
    const { trace, spans } = recordingTrace();
    const failure = upstreamUnavailable('connection reset');
    await layer(fakeNext(() => ({ results: [failure], failure })).next)([request(1)], { trace });
    expect(spans[0]).toMatchObject({ failed: 'UPSTREAM_UNAVAILABLE', ended: true, attributes: { 'gateway.graph_api.attempt': 0 } });
    await expect(layer(fakeNext(() => Promise.reject(new Error('boom'))).next)([request(1)], { trace })).rejects.toThrow('boom');
    expect(spans[1]).toMatchObject({ ended: true });
  });

  it('passes the lookup down untouched when the operation is not traced', async () => {
    const { next, seen } = fakeNext();
    const answer = await layer(next)([request(1)], {});
    expect(seen).toEqual([{ requests: [request(1)], call: {} }]);
    expect(answer.results).toEqual([profile()]);
  });
});
