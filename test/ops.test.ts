import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, gatewayUrl, sample, startStack, type Stack } from './helpers.js';

const METRICS_KEY = 'metrics-key-0123456789';
const SECRET = 'app-secret-for-metrics';

/** The value of one sample line, e.g. sample(text, 'gateway_operations_total{operation="A",outcome="success"}'). */
describe('health', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('/healthz says the process is alive', async () => {
    const res = await fetch(gatewayUrl(stack, '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz is 200 when serving, 503 when a dependency check fails or hangs, and refuses other methods', async () => {
    const ready = await fetch(gatewayUrl(stack, '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', ready: true, checks: {} });

    let redisUp = false;
    stack.gateway.readiness.add('redis', () => redisUp);
    const down = await fetch(gatewayUrl(stack, '/readyz'));
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not ready', ready: false, reason: 'dependency', checks: { redis: 'failing' } });
    redisUp = true;
    expect((await fetch(gatewayUrl(stack, '/readyz'))).status).toBe(200);

    stack.gateway.readiness.add('hung', () => new Promise(() => {}));
    const hung = await fetch(gatewayUrl(stack, '/readyz'));
    expect(hung.status).toBe(503);
    expect(((await hung.json()) as { checks: unknown }).checks).toEqual({ redis: 'ok', hung: 'failing' });

    expect((await fetch(gatewayUrl(stack, '/readyz'), { method: 'POST' })).status).toBe(405);
  });
});

describe('readiness while draining', () => {
  it('/readyz turns 503 as soon as shutdown starts', async () => {
    const stack = await startStack();
    stack.gateway.readiness.draining();
    const res = await fetch(gatewayUrl(stack, '/readyz'));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toBe('draining');
    await stack.close();
  });
});

describe('/metrics', () => {
  let stack: Stack;
  let text: string;
  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_API_KEY: METRICS_KEY, APP_SECRET: SECRET } });
    const psids = Array.from({ length: 60 }, (_, i) => `70000000000000${String(i).padStart(2, '0')}`);
    await stack.query('query Headline($psid: ID!) { user(psid: $psid) { profile { firstName timezone } } }', { psid: DEMO_PSIDS.peter });
    await stack.query('query Cards($psids: [ID!]!) { users(psids: $psids) { profile { firstName } } }', { psids });
    await stack.query(`query Missing { user(psid: "9999999999999999") { profile { firstName } } }`);
    await stack.query('{ user(psid: "1") { psid } }');
    await stack.query('query Broken { nope }');
    const res = await fetch(gatewayUrl(stack, '/metrics'), { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    text = await res.text();
  });
  afterAll(() => stack.close());

  it('needs METRICS_API_KEY when one is configured', async () => {
    const res = await fetch(gatewayUrl(stack, '/metrics'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('counts operations by name and outcome, with a latency histogram', () => {
    expect(sample(text, 'gateway_operations_total{operation="Headline",outcome="success"}')).toBe(1);
    expect(sample(text, 'gateway_operations_total{operation="Cards",outcome="success"}')).toBe(1);
    expect(sample(text, 'gateway_operations_total{operation="Missing",outcome="partial"}')).toBe(1);
    expect(sample(text, 'gateway_operations_total{operation="(anonymous)",outcome="success"}')).toBe(1);
    // A name Apollo could not resolve against a valid document is not a label.
    expect(sample(text, 'gateway_operations_total{operation="(none)",outcome="rejected"}')).toBe(1);
    expect(text).not.toContain('operation="Broken"');
    expect(sample(text, 'gateway_operation_duration_seconds_count{operation="Headline"}')).toBe(1);
  });

  it('shows how many upstream requests each operation cost', () => {
    expect(sample(text, 'gateway_operation_upstream_requests_sum{operation="Cards"}')).toBe(2);
    expect(sample(text, 'gateway_operation_upstream_requests_sum{operation="Headline"}')).toBe(1);
    expect(sample(text, 'gateway_operation_upstream_requests_sum{operation="(anonymous)"}')).toBe(0);
  });

  it('counts upstream HTTP requests, sub-requests, batch sizes, latency and errors by code', () => {
    expect(sample(text, 'gateway_upstream_requests_total{status="200"}')).toBe(4);
    expect(sample(text, 'gateway_upstream_sub_requests_total')).toBe(62);
    expect(sample(text, 'gateway_upstream_batch_size_bucket{le="1"}')).toBe(2);
    expect(sample(text, 'gateway_upstream_batch_size_bucket{le="50"}')).toBe(4);
    expect(sample(text, 'gateway_upstream_request_duration_seconds_count')).toBe(4);
    expect(sample(text, 'gateway_upstream_errors_total{code="NOT_FOUND"}')).toBe(1);
  });

  it('includes default process metrics and never a secret', () => {
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toContain(DEMO_PAGE_TOKEN);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(METRICS_KEY);
  });

  it('keeps a registry per gateway, so two gateways in one process do not share counts', async () => {
    const other = await startStack();
    try {
      const fresh = await other.gateway.metrics.registry.metrics();
      expect(fresh).not.toContain('operation="Headline"');
      expect(sample(fresh, 'gateway_upstream_sub_requests_total')).toBe(0);
    } finally {
      await other.close();
    }
  });
});
