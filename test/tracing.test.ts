import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, generatedPsid, startStack, type Stack } from './helpers.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { spawnGateway } from './process.js';

const API_KEY = 'tracing-suite-api-key-0123456789';
const APP_SECRET = 'tracing-suite-app-secret';
const HEADLINE = 'query Headline($psid: ID!) { user(psid: $psid) { profile { firstName timezone } } }';
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A caller's W3C trace context: its trace id and the id of its span that makes the request. */
function callerContext() {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({
      emulator: { appSecret: APP_SECRET },
      env: {
        APP_SECRET,
        GATEWAY_API_KEYS: API_KEY,
        PROFILE_CACHE_TTL: '300',
        RETRY_BASE_MS: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '20',
        OTEL_SERVICE_NAME: 'profile-gateway-under-test',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      },
    });
  });
  beforeEach(() => stack.emulator.reset());
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  const query = (text: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
    stack.query(text, variables, { authorization: `Bearer ${API_KEY}`, ...headers });
  const inTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  const childrenOf = (parent: ReceivedSpan) => receiver.spans.filter((span) => span.parentSpanId === parent.spanId);
  const named = (spans: ReceivedSpan[], name: string) => {
    const found = spans.filter((span) => span.name === name);
    expect(found, `one ${name} span`).toHaveLength(1);
    return found[0]!;
  };

  it('exports a span per operation, a child of the caller’s traceparent, with its phases, cache lookup and batch call', async () => {
    const caller = callerContext();
    const response = await query(HEADLINE, { psid: DEMO_PSIDS.peter }, {
      traceparent: caller.traceparent,
      'apollographql-client-name': 'support-console',
      'apollographql-client-version': '2.1.0',
    });
    expect(response.body.data?.user.profile.firstName).toBe('Peter');

    const operation = await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.kind === SERVER, 'for the operation');
    // The export runs on a timer: wait for the operation's last child to arrive too.
    await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.name === 'graph_api.batch', 'for the batch call');
    expect(operation.name).toBe('query Headline');
    expect(operation.parentSpanId).toBe(caller.spanId);
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Headline',
      'gateway.outcome': 'success',
      'gateway.caller': 'GATEWAY_API_KEYS#1',
      'gateway.caller.name': 'support-console',
      'gateway.caller.version': '2.1.0',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'gateway.upstream.requests': 1,
      'gateway.upstream.sub_requests': 1,
      'gateway.document_cached': false,
    });
    expect(operation.status.code ?? 0).not.toBe(ERROR);

    const spans = inTrace(caller.traceId);
    const phases = childrenOf(operation).map((span) => span.name);
    expect(phases).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate', 'graphql.execute']));
    const execute = named(spans, 'graphql.execute');
    const cache = named(spans, 'profile_cache.lookup');
    expect(cache.parentSpanId).toBe(execute.spanId);
    expect(cache.attributes).toMatchObject({ 'gateway.cache.users': 1, 'gateway.cache.miss': 1 });
    const batch = named(spans, 'graph_api.batch');
    expect(batch.parentSpanId).toBe(cache.spanId);
    expect(batch.kind).toBe(CLIENT);
    expect(batch.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'gateway.graph_api.sub_requests': 1,
      'gateway.graph_api.attempt': 0,
      'gateway.graph_api.failed_sub_requests': 0,
    });

    // The resource says which service and instance sent the spans.
    expect(receiver.resources[0]).toMatchObject({ 'service.name': 'profile-gateway-under-test', 'deployment.environment.name': 'test' });
    expect(receiver.resources[0]!['service.instance.id']).toEqual(expect.any(String));
  });

  it('shows a cached document and a cache hit: no parse, no validation, no batch call', async () => {
    await query(HEADLINE, { psid: DEMO_PSIDS.fractional });
    const caller = callerContext();
    await query(HEADLINE, { psid: DEMO_PSIDS.fractional }, { traceparent: caller.traceparent });

    const operation = await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.kind === SERVER, 'for the operation');
    const cache = await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.name === 'profile_cache.lookup', 'for the cache lookup');
    expect(operation.attributes).toMatchObject({ 'gateway.document_cached': true, 'gateway.upstream.requests': 0 });
    expect(cache.attributes).toMatchObject({ 'gateway.cache.hit': 1 });
    expect(inTrace(caller.traceId).map((s) => s.name).sort()).toEqual(['graphql.execute', 'profile_cache.lookup', 'query Headline']);
  });

  it('gives each retry its own batch span with its attempt and status, and the error codes to the operation', async () => {
    stack.emulator.injectFault({ status: 500, rawBody: 'upstream trouble' });
    const caller = callerContext();
    const response = await query(
      'query Two($a: ID!, $b: ID!) { a: user(psid: $a) { profile { firstName } } b: user(psid: $b) { profile { firstName } } }',
      { a: generatedPsid(7), b: DEMO_PSIDS.deleted },
      { traceparent: caller.traceparent },
    );
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);

    const operation = await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.kind === SERVER, 'for the operation');
    const attempts = () => inTrace(caller.traceId).filter((s) => s.name === 'graph_api.batch');
    await receiver.waitForSpan(() => attempts().length === 2, 'for both attempts');
    const [first, retry] = attempts().sort((x, y) => Number(x.attributes['gateway.graph_api.attempt']) - Number(y.attributes['gateway.graph_api.attempt']));
    expect(first!.attributes).toMatchObject({ 'gateway.graph_api.attempt': 0, 'http.response.status_code': 500, 'gateway.graph_api.sub_requests': 2, 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(first!.status.code).toBe(ERROR);
    expect(retry!.attributes).toMatchObject({ 'gateway.graph_api.attempt': 1, 'http.response.status_code': 200, 'gateway.graph_api.failed_sub_requests': 1 });
    expect(operation.attributes).toMatchObject({ 'gateway.outcome': 'partial', 'gateway.error_codes': ['NOT_FOUND'], 'gateway.upstream.requests': 2 });
  });

  it('exports no span for a request refused before authentication, and trusts no trace id or client name it sent', async () => {
    const hostile = callerContext();
    const refused = await stack.query(HEADLINE, { psid: DEMO_PSIDS.peter }, { traceparent: hostile.traceparent, 'apollographql-client-name': 'no-key-caller' });
    expect(refused.status).toBe(401);
    // A key pasted into the client-name header is no client name.
    const mine = await query(HEADLINE, { psid: DEMO_PSIDS.peter }, { 'apollographql-client-name': API_KEY });
    expect(mine.status).toBe(200);
    // Spans are exported in the order they end: once the later one has arrived, the refused one would have too.
    const own = await receiver.waitForSpan((s) => s.kind === SERVER && s.attributes['gateway.request_id'] === mine.headers.get('x-request-id'), 'for the request');
    expect(own.parentSpanId || undefined).toBeUndefined();
    expect(own.attributes['gateway.caller.name']).toBeUndefined();
    expect(receiver.spans.filter((s) => s.traceId === hostile.traceId || s.attributes['gateway.caller.name'] === 'no-key-caller')).toEqual([]);
  });

  it('puts no token, key, app secret, PSID or profile value in anything it exports', async () => {
    const psids = [DEMO_PSIDS.peter, DEMO_PSIDS.fractional, generatedPsid(3), generatedPsid(4)];
    const caller = callerContext();
    await query('query Many($psids: [ID!]!) { users(psids: $psids) { profile { firstName lastName locale } } }', { psids }, { traceparent: caller.traceparent });
    await receiver.waitForSpan((s) => s.traceId === caller.traceId && s.name === 'graph_api.batch', 'for the batch call');

    const exported = receiver.requests.map((request) => request.body.toString('utf8')).join('\n');
    for (const secret of [DEMO_PAGE_TOKEN, API_KEY, APP_SECRET]) expect(exported).not.toContain(secret);
    for (const psid of [...psids, DEMO_PSIDS.deleted, generatedPsid(7)]) expect(exported).not.toContain(psid);
    for (const value of ['Peter', 'Chang', 'en_US']) expect(exported).not.toContain(value);
  });
});

describe('trace export in protobuf, the OTLP default', () => {
  it('POSTs application/x-protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', async () => {
    const receiver = await startOtlpReceiver();
    const stack = await startStack({
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    try {
      await stack.query(HEADLINE, { psid: DEMO_PSIDS.peter });
      // Spans are exported in batches as they end; the operation's own span ends last.
      // Protobuf keeps strings as UTF-8 bytes: the span names are in there.
      const withRoot = () => receiver.requests.find((r) => r.body.includes('query Headline'));
      await expect.poll(withRoot, { timeout: 10_000, interval: 50 }).toBeDefined();
      expect(receiver.requests.length).toBeGreaterThan(0);
      for (const request of receiver.requests) {
        expect(request.path).toBe('/v1/traces');
        expect(request.contentType).toBe('application/x-protobuf');
      }
    } finally {
      await stack.close();
      await receiver.close();
    }
  });
});

describe('tracing off', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-tracing-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loads no OpenTelemetry module without an OTLP endpoint; with one it does', async () => {
    const loaded = async (name: string, env: Record<string, string>) => {
      const file = join(dataDir, `modules-${name}.txt`);
      const gateway = spawnGateway(
        { NODE_ENV: 'production', PAGE_ACCESS_TOKEN: 'EAAB-tracing-token', GRAPH_API_URL: 'http://127.0.0.1:9', ...env },
        { traceModulesTo: file },
      );
      const url = await gateway.ready();
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect(await gateway.stop()).toBe(0);
      return readFileSync(file, 'utf8').split('\n');
    };
    const otel = (urls: string[]) => urls.filter((url) => url.includes('/@opentelemetry/') || url.endsWith('/src/observability/otel.ts'));

    expect(otel(await loaded('off', {}))).toEqual([]);
    const receiver = await startOtlpReceiver();
    const on = await loaded('on', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }).finally(() => receiver.close());
    expect(on).toEqual(expect.arrayContaining([expect.stringMatching(/\/src\/observability\/otel\.ts$/), expect.stringMatching(/@opentelemetry\/sdk-trace\//)]));
  });
});
