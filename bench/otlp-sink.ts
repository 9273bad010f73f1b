import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the `traced` variant exports its spans: a collector that drops them. */
export interface OtlpSink {
  readonly url: string;
  /** Export requests and bytes received so far. */
  stats(): { readonly requests: number; readonly bytes: number };
  close(): Promise<void>;
}

/**
 * A stand-in OpenTelemetry Collector for the bench: accepts OTLP/HTTP exports and discards them
 * unread, so the `traced` variant pays what the gateway pays to export its traces and no more. It
 * runs in the bench's own process: its little CPU counts in the load generator's column, not as
 * noise from other processes.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      // An empty ExportTraceServiceResponse (zero bytes in protobuf, `{}` in JSON): all accepted.
      const json = (req.headers['content-type'] ?? '').startsWith('application/json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ requests, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
