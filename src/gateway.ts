import { createServer, type Server } from 'node:http';
import { startAvatars } from './avatars/avatars.js';
import { openCacheStore } from './cache/store.js';
import { systemClock, type Clock } from './core/clock.js';
import { callerKeys, type GatewayConfig } from './config.js';
import type { Caller } from './core/lookup.js';
import { createApollo } from './graphql/apollo.js';
import type { GatewayContext } from './graphql/context.js';
import { StaleAnswers } from './graphql/plugins/stale-extension.js';
import { bearerCheck, bearerLookup } from './http/auth.js';
import { avatarRoute } from './http/avatars.js';
import { EXPLORER_PATH, explorerRoute } from './http/explorer.js';
import { opsRoutes } from './http/ops-routes.js';
import { Readiness } from './http/readiness.js';
import { GRAPHQL_PATH, listen, serveHttp } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { charge, type RequestScope } from './observability/request-scope.js';
import type { GatewayTracer } from './observability/tracing.js';
import { CallerBudgets } from './pages/budgets.js';
import type { Page } from './pages/page.js';
import { pageChain } from './chain/index.js';
import { observePages, UpstreamMetrics } from './pages/metrics.js';
import { Pages } from './pages/pages.js';
import { connectRedis } from './redis/connection.js';
import { ProfileLoader } from './profile/loader.js';
import { FileReferralStore } from './referrals/file-store.js';
import { RedisReferralStore } from './referrals/redis-store.js';
import { WEBHOOK_PATH, webhookRoute } from './webhook/handler.js';
import { Prefetcher } from './webhook/prefetch.js';

/**
 * How often Node looks for connections past HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS. Its default,
 * 30 s, would let a slow client hold a connection (and a drain) up to 30 s longer than those.
 */
const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

export interface Gateway {
  /** URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  /** URL of the webhook endpoint (served only with webhook capture on). */
  readonly webhookUrl: string;
  readonly port: number;
  /** The configured Pages, each with its chain and the state its layers keep (throttle, breaker). */
  readonly pages: Pages;
  /** Checks behind /readyz: required ones decide it, optional ones (the Redis cache store) are only shown. */
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
  // One command connection, and one guard, for every user of Redis: the profile cache, the Pages'
  // shared quota state (budgets, throttling) and the referral store.
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, { timeoutMs: config.redisTimeoutMs, logger, clock }) : undefined;
  // Optional: every instance serves without Redis, and all of them would leave the load balancer at
  // once if it counted.
  if (redis) readiness.addOptional('cacheStore', () => redis.ping());

  const chainDependencies = {
    config,
    clock,
    metrics: new UpstreamMetrics(metrics),
    cacheStore: openCacheStore(config, logger, redis, { metrics }),
    budgets: new CallerBudgets(redis),
    redis,
  };
  const pages = new Pages(config, (page) => pageChain(page, chainDependencies));
  observePages(metrics, pages.all);

  const referrals = !config.webhookVerifyToken
    ? undefined
    : redis
      ? new RedisReferralStore(redis, clock)
      : await FileReferralStore.open(config.dataDir, clock);

  // A client trickling its headers or body must not hold a connection (and a drain) open for long.
  const httpServer: Server = createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
  });
  const production = config.nodeEnv === 'production';
  const apollo = createApollo(config, logger, httpServer, { explorerPath: production ? undefined : EXPLORER_PATH });
  await apollo.start();

  // Origin of the avatar URLs: PUBLIC_URL (required in production), else the address listened at (known below).
  let origin = '';
  const avatars =
    config.avatarSigningKeys.length > 0 ? startAvatars(config, { pages, redis, metrics, clock, publicUrl: () => config.publicUrl ?? origin }) : undefined;

  // Each operation's context: its accounting, and its caller, which the loaders pass with every lookup.
  const context = async (scope: RequestScope, caller: Caller | undefined): Promise<GatewayContext> => {
    const loaders = new Map<Page, ProfileLoader>();
    const call = { caller, charge: (subRequests: number) => charge(scope, subRequests), trace: scope.trace };
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
      avatarUrl: avatars?.link,
    };
  };

  const keys = callerKeys(config);
  const authenticate = keys.length > 0 ? bearerLookup(keys) : undefined;
  if (!authenticate && config.nodeEnv === 'production') {
    logger.error(
      'GATEWAY_API_KEYS is not set (nor GATEWAY_CALLERS): the GraphQL endpoint is OPEN. Anyone who can reach it can read Messenger profiles with this Page token. Set GATEWAY_API_KEYS or GATEWAY_CALLERS.',
    );
  }
  const prefetcher = referrals && config.prefetchOnMessage ? new Prefetcher<Page>({ fields: config.prefetchFields, windowMs: config.prefetchWindowMs, logger }) : undefined;
  const webhook =
    referrals && config.webhookVerifyToken
      ? webhookRoute({
          verifyToken: config.webhookVerifyToken,
          appSecrets: [...new Set(pages.all.flatMap((page) => (page.appSecret ? [page.appSecret] : [])))],
          appSecretOf: (pageId) => pages.appSecretOf(pageId),
          store: referrals,
          // A user who writes may just have authorized the Page: the next query asks the Graph API
          // again instead of answering a cached "no profile", and a prefetch may warm the profile.
          onSenders: async (pageId, psids) => {
            const page = pages.find(pageId);
            if (!page) return;
            const { cache } = page;
            if (cache) await Promise.all(psids.map((psid) => cache.dropNoProfile(psid)));
            prefetcher?.add(page, psids);
          },
          maxBytes: config.maxRequestBytes,
          logger,
          metrics,
          clock,
        })
      : undefined;
  const ops = opsRoutes({
    readiness,
    metrics,
    metricsAuthorized: config.metricsApiKey ? bearerCheck([config.metricsApiKey]) : undefined,
  });
  // Like Apollo Sandbox, the explorer is for development: production answers 404 there.
  const explorer = production ? undefined : explorerRoute({ graphqlPath: GRAPHQL_PATH, keyRequired: authenticate !== undefined });
  serveHttp(httpServer, {
    apollo,
    context,
    authenticate,
    maxRequestBytes: config.maxRequestBytes,
    routes: [webhook, ops, avatars && avatarRoute({ service: avatars.service, count: avatars.count, clock }), explorer].filter((route) => route !== undefined),
    metrics,
    logger,
    tracer,
  });

  const port = await listen(httpServer, config.port, config.host);
  readiness.serving();
  origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

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
        await prefetcher?.close();
        await pages.close();
        await avatars?.close();
        await redis?.close();
        await referrals?.close();
        // Last: the spans of the operations that just finished are exported before the exit.
        await tracer?.close();
      })()),
  };
}
