import { createServer, type Server } from 'node:http';
import { openCacheStore } from './cache/store.js';
import { systemClock, type Clock } from './clock.js';
import type { GatewayConfig } from './config.js';
import { createApollo } from './graphql/apollo.js';
import type { GatewayContext } from './graphql/context.js';
import { StaleAnswers } from './graphql/plugins/stale-extension.js';
import { bearerCheck } from './http/auth.js';
import { EXPLORER_PATH, explorerRoute } from './http/explorer.js';
import { opsRoutes } from './http/ops-routes.js';
import { Readiness } from './http/readiness.js';
import { GRAPHQL_PATH, listen, serveHttp } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { charge, type RequestScope } from './observability/request-scope.js';
import type { GatewayTracer } from './observability/tracing.js';
import type { PageRuntime } from './pages/chain.js';
import { observePages, UpstreamMetrics } from './pages/metrics.js';
import { Pages } from './pages/pages.js';
import { ProfileLoader } from './profile/loader.js';
import { FileReferralStore } from './referrals/file-store.js';
import { RedisReferralStore } from './referrals/redis-store.js';
import { WEBHOOK_PATH, webhookRoute } from './webhook/handler.js';

/**
 * Bound of one Redis command of the referral store. Longer than the cache's REDIS_TIMEOUT_MS: a
 * webhook delivery waits for its write (Meta retries on failure), it is not on a client's path.
 */
const REFERRAL_REDIS_TIMEOUT_MS = 2000;

export interface Gateway {
  /** URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  /** URL of the webhook endpoint (served only with webhook capture on). */
  readonly webhookUrl: string;
  readonly port: number;
  /** The configured Pages, each with its chain and the state its layers keep (throttle, breaker). */
  readonly pages: Pages;
  /** Checks behind /readyz; dependencies (Redis) add theirs. */
  readonly readiness: Readiness;
  /** This gateway's Prometheus registry and metrics. */
  readonly metrics: GatewayMetrics;
  /** URL of the built-in explorer; undefined in production, which serves none. */
  readonly explorerUrl: string | undefined;
  /** Stops accepting, lets in-flight operations finish, closes upstream connections. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The clock every expiry rule reads; tests pass one they can move. @default systemClock */
  readonly clock?: Clock;
}

/**
 * The composition root: builds every part from the config and wires them together. A request
 * crosses them in this order: http/ → graphql/ → profile/ → pages/ (each Page's chain: cache/,
 * then graph-api/ layers) → the Graph API.
 */
export async function startGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  // OpenTelemetry is loaded only when an OTLP endpoint is configured; without one, not a module of it.
  const tracer: GatewayTracer | undefined = config.tracing
    ? await (await import('./observability/otel.js')).startTracing(config.tracing, logger)
    : undefined;
  const metrics = new GatewayMetrics();
  const readiness = new Readiness();
  const cache = await openCacheStore(config, logger);
  if (cache && config.redisUrl) readiness.add('redis', () => cache.reachable());

  const pages = new Pages(config, {
    clock,
    metrics: new UpstreamMetrics(metrics),
    cacheStore: cache?.store,
  });
  observePages(metrics, pages.all);

  const referrals = !config.webhookVerifyToken
    ? undefined
    : config.redisUrl
      ? RedisReferralStore.open(config.redisUrl, REFERRAL_REDIS_TIMEOUT_MS)
      : await FileReferralStore.open(config.dataDir);

  const httpServer: Server = createServer();
  // A client trickling its headers or body must not hold a connection (and a drain) open for long.
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;
  const production = config.nodeEnv === 'production';
  const apollo = createApollo(config, logger, httpServer, { explorerPath: production ? undefined : EXPLORER_PATH });
  await apollo.start();

  const context = async (scope: RequestScope): Promise<GatewayContext> => {
    const loaders = new Map<PageRuntime, ProfileLoader>();
    const call = { charge: (subRequests: number) => charge(scope, subRequests), trace: scope.trace };
    return {
      scope,
      pages,
      profiles: (page) => {
        let loader = loaders.get(page);
        if (!loader) loaders.set(page, (loader = new ProfileLoader(page.lookup, call)));
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
  const webhook =
    referrals && config.webhookVerifyToken
      ? webhookRoute({
          verifyToken: config.webhookVerifyToken,
          appSecrets: [...new Set(pages.all.flatMap((page) => (page.appSecret ? [page.appSecret] : [])))],
          appSecretOf: (pageId) => pages.appSecretOf(pageId),
          store: referrals,
          maxBytes: config.maxRequestBytes,
          logger,
        })
      : undefined;
  const ops = opsRoutes({
    readiness,
    metrics,
    metricsAuthorized: config.metricsApiKey ? bearerCheck([config.metricsApiKey]) : undefined,
  });
  // Like Apollo Sandbox, the explorer is for development: production answers 404 there.
  const explorer = production ? undefined : explorerRoute({ graphqlPath: GRAPHQL_PATH, keyRequired: authorized !== undefined });
  serveHttp(httpServer, {
    apollo,
    context,
    authorized,
    maxRequestBytes: config.maxRequestBytes,
    routes: [webhook, ops, explorer].filter((route) => route !== undefined),
    metrics,
    logger,
    tracer,
  });

  const port = await listen(httpServer, config.port, config.host);
  readiness.serving();
  const origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${GRAPHQL_PATH}`,
    webhookUrl: `${origin}${WEBHOOK_PATH}`,
    port,
    pages,
    readiness,
    metrics,
    explorerUrl: explorer ? `${origin}${EXPLORER_PATH}` : undefined,
    close: () =>
      (closing ??= (async () => {
        readiness.draining();
        await apollo.stop();
        await pages.close();
        await cache?.close();
        await referrals?.close();
        // Last: the spans of the operations that just finished are exported before the exit.
        await tracer?.close();
      })()),
  };
}
