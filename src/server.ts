import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from './config.js';
import { readBody } from './http-body.js';
import type { GatewayContext } from './context.js';
import { createFormatError } from './errors.js';
import type { Logger } from './logger.js';
import { Pages, type PageRuntime } from './pages.js';
import { ProfileLoader } from './profile/loader.js';
import { resolvers } from './resolvers.js';
import { loadTypeDefs } from './schema.js';
import { FileReferralStore } from './referrals/file-store.js';
import { createWebhookHandler, WEBHOOK_PATH } from './webhook/handler.js';

export const GRAPHQL_PATH = '/graphql';

export interface Gateway {
  /** URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** The configured Pages, each with its layered Graph API access (throttle, breaker, usage). */
  readonly pages: Pages;
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
  const production = config.nodeEnv === 'production';
  const pages = new Pages(config);

  const referrals = config.webhookVerifyToken ? await FileReferralStore.open(config.dataDir) : undefined;
  const webhook =
    referrals && config.webhookVerifyToken
      ? createWebhookHandler({
          verifyToken: config.webhookVerifyToken,
          appSecrets: [...new Set(pages.all.flatMap((page) => (page.appSecret ? [page.appSecret] : [])))],
          appSecretOf: (pageId) => pages.appSecretOf(pageId),
          store: referrals,
          maxBytes: config.maxRequestBytes,
          logger,
        })
      : undefined;

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
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();

  const contextValue = async (): Promise<GatewayContext> => {
    const loaders = new Map<PageRuntime, ProfileLoader>();
    return {
      pages,
      profiles: (page) => {
        let loader = loaders.get(page);
        if (!loader) loaders.set(page, (loader = new ProfileLoader(page.upstream.fetch)));
        return loader;
      },
      graphApiVersion: config.graphApiVersion,
      referrals,
    };
  };

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { errors: [{ message: error.message }] });
      logger.error({ err: error }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Internal server error' }] });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path = '/', search = ''] = (req.url ?? '/').split('?', 2);
    if (path === WEBHOOK_PATH && webhook) return webhook(req, res, search);
    if (path !== GRAPHQL_PATH) throw new HttpError(404, `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.`);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, config.maxRequestBytes);
      if (!raw) throw new HttpError(413, `Request body larger than ${config.maxRequestBytes} bytes.`);
      body = parseBody(raw.toString('utf8'), headers);
    }
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
    pages,
    close: () =>
      (closing ??= (async () => {
        await apollo.stop();
        await pages.close();
        await referrals?.close();
      })()),
  };
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
