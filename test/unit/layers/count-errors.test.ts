import { describe, expect, it } from 'vitest';
import { countErrors } from '../../../src/chain/layers/count-errors.js';
import { overBudget, upstreamUnavailable } from '../../../src/core/errors.js';
import { permissionRequired } from '../../../src/core/errors.js';
import { fieldFacts } from '../../../src/core/fields.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { UpstreamMetrics } from '../../../src/pages/metrics.js';
import { fakeNext, profile, request } from './fake.js';

async function errorsByCode(metrics: GatewayMetrics): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('gateway_upstream_errors_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.code), v.value]));
}

describe('count-errors layer', () => {
  it('counts each failed lookup and each failed field by code, and answers what came up unchanged', async () => {
    const metrics = new GatewayMetrics();
    const results = [
      profile(),
      upstreamUnavailable('HTTP 503'),
      upstreamUnavailable('HTTP 503'),
      overBudget(30),
      { kind: 'profile' as const, data: { first_name: 'Ann' }, fieldErrors: new Map([['locale' as const, permissionRequired(fieldFacts('locale'))]]) },
      { kind: 'none' as const },
      new Error('unexpected'),
    ];
    const { next, seen } = fakeNext(() => ({ results, status: 200 }));
    const requests = results.map((_, i) => request(i));
    const answer = await countErrors(new UpstreamMetrics(metrics))(next)(requests, {});
    expect(seen.map((s) => s.requests)).toEqual([requests]);
    expect(answer).toEqual({ results, status: 200 });
    expect(await errorsByCode(metrics)).toEqual({
      UPSTREAM_UNAVAILABLE: 2,
      RATE_LIMITED: 1,
      PERMISSION_REQUIRED: 1,
      INTERNAL_SERVER_ERROR: 1,
    });
  });

  it('counts nothing for an answer without failures', async () => {
    const metrics = new GatewayMetrics();
    const { next } = fakeNext();
    await countErrors(new UpstreamMetrics(metrics))(next)([request(1)], {});
    expect(await errorsByCode(metrics)).toEqual({});
  });
});
