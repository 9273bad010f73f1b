import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/JSON export carries it, with its attributes decoded. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty or absent for a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code?: number };
}

interface ExportRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A stand-in OpenTelemetry Collector: an OTLP/HTTP receiver on port 0 that keeps what it gets. */
export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  /** Every export request received, raw. */
  readonly requests: ExportRequest[];
  /** The spans of every OTLP/JSON export received. */
  readonly spans: ReceivedSpan[];
  /** Resource attributes of every OTLP/JSON export received. */
  readonly resources: Record<string, unknown>[];
  /** The first span that matches, waiting up to 10 s for the gateway's next exports. */
  waitForSpan(test: (span: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
};
type OtlpAttribute = { key: string; value: OtlpValue };

function decode(value: OtlpValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decode);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, decode(value)]));

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ExportRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const resources: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      requests.push({ path: req.url ?? '', contentType, body });
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      if (contentType.startsWith('application/json')) {
        const parsed = JSON.parse(body.toString('utf8'));
        for (const resourceSpans of parsed.resourceSpans ?? []) {
          resources.push(attributesOf(resourceSpans.resource?.attributes));
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) spans.push({ ...span, attributes: attributesOf(span.attributes), status: span.status ?? {} });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        // An empty ExportTraceServiceResponse, in protobuf: zero bytes.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    resources,
    async waitForSpan(test, what) {
      for (let i = 0; i < 200; i++) {
        const found = spans.find(test);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`No span ${what} arrived; got ${JSON.stringify(spans.map((s) => s.name))}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
