import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { TracingConfig } from '../config.js';
import type { SpanAttributes, TraceSpan } from '../core/lookup.js';
import type { Logger } from './logger.js';
import type { GatewayTracer, RequestEnd, RequestTrace } from './tracing.js';

/**
 * OpenTelemetry behind the GatewayTracer interface. gateway.ts loads this module by a dynamic
 * import, only when an OTLP endpoint is configured: without one, no OpenTelemetry module is loaded.
 *
 * Spans are parented explicitly (each child made from its parent's context), as the request scope
 * travels explicitly through the gateway: no context manager, no AsyncLocalStorage, no patching of
 * node:http or undici. Hence no auto-instrumentation either: Apollo's phases come from a plugin,
 * and graphql-jit execution, the cache and the Graph API batch calls from the gateway's own seams.
 * Nothing is propagated to the Graph API, a third party.
 */
export async function startTracing(config: TracingConfig, logger: Logger, secrets: readonly string[] = []): Promise<GatewayTracer> {
  const log = logger.child({ component: 'opentelemetry' });
  // The SDK reports export failures through its diagnostic logger; make them gateway log lines.
  diag.setLogger(
    {
      error: (message) => log.error(message),
      warn: (message) => log.warn(message),
      info: (message) => log.debug(message),
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const exporter = await exporterFor(config);
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.instance.id': randomUUID(),
        ...config.resourceAttributes,
        'service.name': config.serviceName,
      }),
    ),
    sampler: samplerFor(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: config.scheduledDelayMs,
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: config.maxExportBatchSize,
        exportTimeoutMillis: config.exportTimeoutMs,
      }),
    ],
  });
  const tracer = provider.getTracer('messenger-profile-gateway');
  log.info({ url: exportUrlForLog(config.url), protocol: config.protocol, sampler: config.sampler }, 'Tracing on: spans are exported over OTLP/HTTP');
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequest({ method, headers, requestId, authenticated }) {
      // What the client says of itself (its trace, its name) only from whom TRACEPARENT_FROM trusts.
      const trusted = config.traceparentFrom === 'anyone' || (config.traceparentFrom === 'authenticated' && authenticated);
      const parent = trusted ? propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
      const span = tracer.startSpan(
        `${method} /graphql`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': method,
            'url.path': '/graphql',
            'gateway.request_id': requestId,
            ...(trusted ? callerOf(headers, secrets) : {}),
          },
        },
        parent,
      );
      if (!span.isRecording()) {
        span.end();
        return undefined;
      }
      return new OtelRequestTrace(tracer, span);
    },
    async close() {
      // The exporter retries a collector that does not answer; a shutdown does not wait for that.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS, 'late').unref()));
      const closed = provider.shutdown().then(
        () => 'done' as const,
        () => 'done' as const,
      );
      if ((await Promise.race([closed, late])) === 'late') log.warn({ url: exportUrlForLog(config.url) }, 'Spans not exported before shutdown: the collector did not answer in time');
      clearTimeout(timer);
    },
  };
}

/** Longest wait at shutdown for the last spans to be exported. */
const CLOSE_TIMEOUT_MS = 3000;

/** The collector's URL without credentials, for a log line. */
function exportUrlForLog(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

async function exporterFor(config: TracingConfig): Promise<SpanExporter> {
  // The exporters read the other OTEL_EXPORTER_OTLP_* variables (timeout, compression,
  // certificates) from the process environment themselves.
  const options = { url: config.url, headers: { ...config.headers } };
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function samplerFor({ sampler, samplerRatio }: TracingConfig): Sampler {
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) });
  }
}

// Characters of a sane client name or version; anything else is left out of the span.
const CLIENT_FIELD = /^[\w .:@/+=()-]{1,64}$/;

/**
 * Who is calling: the `apollographql-client-name`/`-version` headers Apollo clients send, left out
 * when they hold a configured secret (a key pasted in the wrong header), as log lines scrub them.
 */
function callerOf(headers: IncomingHttpHeaders, secrets: readonly string[]): Attributes {
  const field = (name: string) => {
    const value = headers[name];
    if (typeof value !== 'string' || !CLIENT_FIELD.test(value)) return undefined;
    return secrets.some((secret) => value.includes(secret) || secret.includes(value)) ? undefined : value;
  };
  return { 'gateway.caller.name': field('apollographql-client-name'), 'gateway.caller.version': field('apollographql-client-version') };
}

class OtelSpan implements TraceSpan {
  constructor(
    protected readonly tracer: Tracer,
    readonly span: Span,
    private readonly onEnd?: () => void,
  ) {}

  child(name: string, attributes?: SpanAttributes, kind: 'internal' | 'client' = 'internal'): OtelSpan {
    const options = { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: (attributes ?? {}) as Attributes };
    return new OtelSpan(this.tracer, this.tracer.startSpan(name, options, trace.setSpan(ROOT_CONTEXT, this.parent())));
  }

  /** The span children nest under. */
  protected parent(): Span {
    return this.span;
  }

  set(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes as Attributes);
  }

  fail(code: string): void {
    this.span.setAttribute('error.type', code);
    this.span.setStatus({ code: SpanStatusCode.ERROR });
  }

  end(): void {
    this.onEnd?.();
    this.span.end();
  }
}

class OtelRequestTrace extends OtelSpan implements RequestTrace {
  /** The phase running now, if any: what the layers' spans nest under. */
  private current: Span | undefined;

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  protected override parent(): Span {
    return this.current ?? this.span;
  }

  operation(type: string, name: string | null): void {
    this.span.updateName(name ? `${type} ${name}` : type);
    this.span.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': name ?? undefined });
  }

  phase(name: string): TraceSpan {
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, this.span));
    this.current = span;
    return new OtelSpan(this.tracer, span, () => {
      if (this.current === span) this.current = undefined;
    });
  }

  finish({ outcome, status, errorCodes, upstreamRequests, upstreamSubRequests }: RequestEnd): void {
    this.span.setAttributes({
      'http.response.status_code': status,
      'gateway.outcome': outcome,
      'gateway.upstream.requests': upstreamRequests,
      'gateway.upstream.sub_requests': upstreamSubRequests,
      ...(errorCodes.length > 0 ? { 'gateway.error_codes': [...new Set(errorCodes)] } : {}),
    });
    // A server span fails when the gateway could not answer, not when the client asked amiss.
    if (outcome === 'failed' || status >= 500) this.fail(errorCodes[0] ?? `HTTP ${status}`);
    this.span.end();
  }
}
