import { createServer, type Server } from 'node:http';
import { openCacheStore } from './cache/store.js';
import { connectRedis } from './cache/stores/redis.js';
import { systemClock, type Clock } from './core/clock.js';
import { callerKeys, type GatewayConfig } from './config.js';
import { currentGraphFields } from './core/fields.js';
import type { Platform } from './core/ids.js';
import type { Caller } from './core/lookup.js';
import { createApollo } from './graphql/apollo.js';
import type { GatewayContext } from './graphql/context.js';
import { StaleAnswers } from './graphql/plugins/stale-extension.js';
import { bearerCheck, bearerLookup } from './http/auth.js';
import { EXPLORER_PATH, explorerRoute } from './http/explorer.js';
import { opsRoutes } from './http/ops-routes.js';
import { Readiness } from './http/readiness.js';
import { GRAPHQL_PATH, listen, serveHttp } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { OutageLog } from './observability/outage.js';
import { charge, type RequestScope } from './observability/request-scope.js';
import type { GatewayTracer } from './observability/tracing.js';
import { CallerBudgets } from './pages/budgets.js';
import type { PageRuntime } from './pages/runtime.js';
import { pageChain } from './chain/index.js';
import { observePages, UpstreamMetrics } from './pages/metrics.js';
import { Pages } from './pages/pages.js';
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
  // One connection for the profile cache and the Pages' shared quota state (budgets, throttling).
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, config.redisTimeoutMs) : undefined;
  // Optional: every instance serves without Redis, and all of them would leave the load balancer at
  // once if it counted.
  if (redis) readiness.addOptional('cacheStore', () => redis.ping());
  const quotaOutage = new OutageLog(logger, { store: 'redis' }, {
    down: 'Redis unavailable for caller budgets and Page throttling; each instance keeps its own until it recovers',
    up: 'Redis answers again; caller budgets and Page throttling are shared',
  });

  const chainDependencies = {
    config,
    clock,
    metrics: new UpstreamMetrics(metrics),
    cacheStore: openCacheStore(config, logger, redis, { clock, metrics }),
    budgets: new CallerBudgets(redis?.client, quotaOutage, clock),
    shared: redis && { redis: redis.client, outage: quotaOutage },
  };
  const pages = new Pages(config, (page) => pageChain(page, chainDependencies));
  observePages(metrics, pages.all);

  const referrals = !config.webhookVerifyToken
    ? undefined
    : config.redisUrl
      ? // Bounded like a lookup: a referral read is part of an operation, a write part of a delivery.
        RedisReferralStore.open(config.redisUrl, { timeoutMs: config.upstreamTimeoutMs, clock })
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

  // Each operation's context: its accounting, and its caller, which the loaders pass with every lookup.
  const context = async (scope: RequestScope, caller: Caller | undefined): Promise<GatewayContext> => {
    const loaders = new Map<PageRuntime, ProfileLoader>();
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
    };
  };

  const keys = callerKeys(config);
  const authenticate = keys.length > 0 ? bearerLookup(keys) : undefined;
  if (!authenticate && config.nodeEnv === 'production') {
    logger.error(
      'GATEWAY_API_KEYS is not set (nor GATEWAY_CALLERS): the GraphQL endpoint is OPEN. Anyone who can reach it can read Messenger profiles with this Page token. Set GATEWAY_API_KEYS or GATEWAY_CALLERS.',
    );
  }
  const prefetcher =
    referrals && config.prefetchOnMessage
      ? new Prefetcher<PageRuntime>({
          fields: { messenger: config.prefetchFields, instagram: currentGraphFields('instagram', config.graphApiVersion) },
          windowMs: config.prefetchWindowMs,
          logger,
        })
      : undefined;
  // Page deliveries name the Page; Instagram ones the account linked to it.
  const pageOf = (accountId: string, platform: Platform) => (platform === 'messenger' ? pages.find(accountId) : pages.findByInstagram(accountId));
  const webhook =
    referrals && config.webhookVerifyToken
      ? webhookRoute({
          verifyToken: config.webhookVerifyToken,
          appSecrets: [...new Set(pages.all.flatMap((page) => (page.appSecret ? [page.appSecret] : [])))],
          appSecretOf: (accountId, platform) => pageOf(accountId, platform)?.appSecret,
          store: referrals,
          // A user who writes may just have authorized the Page: the next query asks the Graph API
          // again instead of answering a cached "no profile", and a prefetch may warm the profile.
          onSenders: async (accountId, platform, users) => {
            const page = pageOf(accountId, platform);
            if (!page) return;
            const { cache } = page;
            if (cache) await Promise.all(users.map((user) => cache.dropNoProfile(user)));
            prefetcher?.add(page, users);
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
        await prefetcher?.close();
        await pages.close();
        await redis?.close();
        await referrals?.close();
        // Last: the spans of the operations that just finished are exported before the exit.
        await tracer?.close();
      })()),
  };
}
