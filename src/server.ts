import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { bearerCheck } from './auth.js';
import { openCacheStore, pageCache } from './cache/setup.js';
import { StaleAnswers, staleExtensionPlugin } from './cache/stale.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createFormatError, ErrorCode } from './errors.js';
import { headerMap, HttpError, parseBody, readBody, send, sendError, splitUrl } from './http.js';
import { operationLimits } from './limits.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { reportOperation } from './operation-report.js';
import { opsRoutes } from './ops-routes.js';
import { operationOutcomePlugin } from './plugins/operation-outcome.js';
import { ProfileLoader } from './profile/loader.js';
import { Readiness } from './readiness.js';
import { chargeExchange, newRequestScope, requestIdFrom, runInScope } from './request-scope.js';
import { resolvers } from './resolvers.js';
import { loadTypeDefs } from './schema.js';
import { observePages } from './page-metrics.js';
import { Pages, type PageRuntime } from './pages.js';
import { FileReferralStore } from './referrals/file-store.js';
import { RedisReferralStore } from './referrals/redis-store.js';
import { createWebhookHandler, WEBHOOK_PATH } from './webhook/handler.js';

export const GRAPHQL_PATH = '/graphql';

/**
 * Bound of one Redis command of the referral store. Longer than the cache's REDIS_TIMEOUT_MS: a
 * webhook delivery waits for its write (Meta retries on failure), it is not on a client's path.
 */
const REFERRAL_REDIS_TIMEOUT_MS = 2000;

export interface Gateway {
  /** URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** The configured Pages, each with its layered Graph API access (throttle, breaker, usage). */
  readonly pages: Pages;
  /** Checks behind /readyz; dependencies (Redis) add theirs. */
  readonly readiness: Readiness;
  /** This gateway's Prometheus registry and metrics; other layers add theirs. */
  readonly metrics: GatewayMetrics;
  /** Stops accepting, lets in-flight operations finish, closes upstream connections. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Clock of the profile cache in ms since the epoch; tests pass one they can move. @default Date.now */
  readonly now?: () => number;
}

/** Starts the GraphQL gateway described by config (which must configure at least one Page). */
export async function startGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const production = config.nodeEnv === 'production';
  const metrics = new GatewayMetrics();
  const readiness = new Readiness();
  const cache = await openCacheStore(config, logger);
  if (cache && config.redisUrl) readiness.add('redis', () => cache.reachable());
  const cacheLookups = metrics.counter({
    name: 'gateway_cache_lookups_total',
    help: 'User lookups by where the profile cache answered them from: hit, partial (some fields fetched), coalesced (joined a lookup under way), miss, stale.',
    labelNames: ['result'],
  });
  // Per Page: loader → cache → error metrics → resilient Graph API access.
  const pages = new Pages(config, {
    onExchange: (exchange) => {
      metrics.observeExchange(exchange);
      chargeExchange(exchange);
    },
    wrapFetch: (fetch, page) => {
      const counted = metrics.countUpstreamErrors(fetch);
      return cache
        ? pageCache(counted, cache, config, page, (result) => cacheLookups.inc({ result }), options.now)
        : { fetch: counted };
    },
  });

  observePages(metrics, pages);

  const referrals = !config.webhookVerifyToken
    ? undefined
    : config.redisUrl
      ? RedisReferralStore.open(config.redisUrl, REFERRAL_REDIS_TIMEOUT_MS)
      : await FileReferralStore.open(config.dataDir);
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
  // A client trickling its headers or body must not hold a connection (and a drain) open for long.
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;
  const limits = operationLimits(config);
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    formatError: createFormatError(logger),
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // Apollo's defaults, stated because the gateway's limits rely on them: one operation per HTTP
    // request, and no simple (CORS-free) requests that a browser could be tricked into sending.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // main.ts owns signal handling and exits 0 after a drain; Apollo's handler would re-raise.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      // Profiles are private and never cacheable, so `send` always says no-store. Apollo's default
      // cache-control plugin would reach the same header by hooking every field resolver, which cost
      // ~15% of the CPU of a one-user operation (BENCHMARKS.md).
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...limits.plugins,
      operationOutcomePlugin(),
      staleExtensionPlugin(),
    ],
  });
  await apollo.start();

  const contextValue = async (): Promise<GatewayContext> => {
    const loaders = new Map<PageRuntime, ProfileLoader>();
    return {
      pages,
      profiles: (page) => {
        let loader = loaders.get(page);
        if (!loader) loaders.set(page, (loader = new ProfileLoader(page.fetch)));
        return loader;
      },
      graphApiVersion: config.graphApiVersion,
      referrals,
      stale: new StaleAnswers(),
    };
  };

  const authorized = config.gatewayApiKeys.length > 0 ? bearerCheck(config.gatewayApiKeys) : undefined;
  if (!authorized && production) {
    logger.error(
      'GATEWAY_API_KEYS is not set: the GraphQL endpoint is OPEN. Anyone who can reach it can read Messenger profiles with this Page token. Set GATEWAY_API_KEYS.',
    );
  }
  const serveOps = opsRoutes({
    readiness,
    metrics,
    metricsAuthorized: config.metricsApiKey ? bearerCheck([config.metricsApiKey]) : undefined,
  });

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const { path, search } = splitUrl(req.url);
    // The webhook authenticates by signature, not by API key.
    const served =
      path === GRAPHQL_PATH
        ? serveGraphQL(req, res, requestId, search)
        : path === WEBHOOK_PATH && webhook
          ? webhook(req, res, search)
          : serveOps(req, res, path).then((handled) => {
            if (!handled) throw new HttpError(404, `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.`);
          });
    served.catch((error: unknown) => fail(res, error, requestId));
  });

  function fail(res: ServerResponse, error: unknown, requestId: string): void {
    if (!(error instanceof HttpError)) logger.error({ err: error, requestId }, 'request failed');
    sendError(res, error);
  }

  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string, search: string): Promise<void> {
    const scope = newRequestScope(requestId);
    const started = performance.now();
    try {
      await runInScope(scope, async () => {
        // A GET without a query string runs nothing (it shows Sandbox in development), so a browser may load it without a key.
        const runsNothing = req.method === 'GET' && search === '';
        if (authorized && !runsNothing && !authorized(req.headers.authorization)) {
          throw new HttpError(401, 'Missing or unknown API key: send Authorization: Bearer <key>.', ErrorCode.UNAUTHENTICATED, {
            'www-authenticate': 'Bearer',
            connection: 'close',
          });
        }
        const method = (req.method ?? 'GET').toUpperCase();
        const headers = headerMap(req);
        const body = method === 'POST' ? parseBody((await readBody(req, config.maxRequestBytes)).toString('utf8'), headers) : undefined;
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method, headers, search, body },
          context: contextValue,
        });
        await send(res, response);
      });
    } catch (error) {
      if (error instanceof HttpError && error.code) scope.errorCodes = [error.code];
      fail(res, error, requestId);
    } finally {
      reportOperation(scope, { status: res.statusCode, durationMs: performance.now() - started }, { metrics, logger });
    }
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  readiness.serving();
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    port,
    pages,
    readiness,
    metrics,
    close: () =>
      (closing ??= (async () => {
        readiness.draining();
        await apollo.stop();
        await pages.close();
        await cache?.close();
        await referrals?.close();
      })()),
  };
}
