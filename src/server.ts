import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createFormatError } from './errors.js';
import type { Logger } from './logger.js';
import { ProfileLoader } from './profile/loader.js';
import { resolvers } from './resolvers.js';
import { loadTypeDefs } from './schema.js';
import { GraphClient } from './upstream/client.js';
import { fetchProfiles, type FetchProfiles } from './upstream/profiles.js';

export const GRAPHQL_PATH = '/graphql';

export interface Gateway {
  /** URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight operations finish, closes upstream connections. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the GraphQL gateway described by config (which must carry a Page access token). */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  if (!config.pageAccessToken) throw new TypeError('startGateway needs config.pageAccessToken');
  const production = config.nodeEnv === 'production';
  const client = new GraphClient({
    baseUrl: config.graphApiUrl,
    version: config.graphApiVersion,
    accessToken: config.pageAccessToken,
    appSecret: config.appSecret,
    timeoutMs: config.upstreamTimeoutMs,
    maxResponseBytes: config.upstreamMaxResponseBytes,
    connections: config.upstreamConnections,
  });
  const fetch: FetchProfiles = (requests) => fetchProfiles(client, requests);

  const httpServer: Server = createServer();
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    formatError: createFormatError(logger),
    // main.ts owns signal handling and exits 0 after a drain; Apollo's handler would re-raise.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Profiles are private and never cacheable, so `send` always says no-store. Apollo's default
      // cache-control plugin would reach the same header by hooking every field resolver, which cost
      // ~15% of the CPU of a one-user operation (BENCHMARKS.md).
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();

  const contextValue = async (): Promise<GatewayContext> => ({
    profiles: new ProfileLoader(fetch),
    graphApiVersion: config.graphApiVersion,
  });

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { errors: [{ message: error.message }] });
      logger.error({ err: error }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Internal server error' }] });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path = '/', search = ''] = (req.url ?? '/').split('?', 2);
    if (path !== GRAPHQL_PATH) throw new HttpError(404, `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.`);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = method === 'POST' ? parseBody(await readBody(req, config.maxRequestBytes), headers) : undefined;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: contextValue,
    });
    await send(res, response);
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await apollo.stop();
        await client.close();
      })()),
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, `Request body larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `Request body larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, headers: HeaderMap): unknown {
  const type = headers.get('content-type') ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  res.statusCode = response.status ?? 200;
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(value));
}
