import { createServer, type Server } from 'node:http';
import { startAvatars } from './avatars/avatars.js';
import { openCacheStore } from './cache/store.js';
import { systemClock, type Clock } from './core/clock.js';
import { callerKeys, ConfigError, configuredPages, secretsOf, type GatewayConfig } from './config.js';
import { currentGraphFields } from './core/fields.js';
import type { Platform } from './core/ids.js';
import type { Caller } from './core/lookup.js';
import { createApollo } from './graphql/apollo.js';
import type { GatewayContext } from './graphql/context.js';
import { StaleAnswers } from './graphql/plugins/stale-extension.js';
import { bearerCheck, bearerLookup, bearerOrToken } from './http/auth.js';
import { corsHandler } from './http/cors.js';
import { tokenVerifier } from './http/jwt.js';
import { avatarRoute } from './http/avatars.js';
import { EXPLORER_PATH, explorerRoute } from './http/explorer.js';
import { opsRoutes } from './http/ops-routes.js';
import { Readiness } from './http/readiness.js';
import { EventLoopWatch } from './observability/event-loop.js';
import { GRAPHQL_PATH, listen, serveHttp } from './http/server.js';
import { scrubMore, type Logger } from './observability/logger.js';
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
import { watchReload } from './reload.js';

/**
 * How often Node looks for connections past HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS. Its default,
 * 30 s, would let a slow client hold a connection (and a drain) up to 30 s longer than those.
 */
const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

function webhookSecrets(pages: readonly Page[]): string[] {
  return [...new Set(pages.flatMap((page) => (page.appSecret ? [page.appSecret] : [])))];
}

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
  /**
   * Reads the configuration again (throwing a ConfigError for an invalid one). With it, the
   * config's reloadable files are re-read on SIGHUP and when they change: Pages, tokens, secrets
   * and callers swap for operations that start afterwards.
   */
  readonly reloadConfig?: () => GatewayConfig;
}

/**
 * The composition root: builds every part from the config and wires them together. A request
 * crosses them in this order: http/ → graphql/ → profile/ → pages/ (each Page's chain: cache/,
 * then graph-api/ layers) → the Graph API.
 */
export async function startGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  // First: without a key to check sign-in tokens with, start-up fails before anything is opened.
  const tokens = config.jwt ? await tokenVerifier(config.jwt, clock, logger) : undefined;
  // OpenTelemetry is loaded only when an OTLP endpoint is configured; without one, not a module of it.
  const tracer: GatewayTracer | undefined = config.tracing
    ? await (await import('./observability/otel.js')).startTracing(config.tracing, logger, secretsOf(config))
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
    logger,
  };
  const pages = new Pages(config, (page) => pageChain(page, chainDependencies));
  observePages(metrics, pages, clock);
  // With APP_ID and APP_SECRET: each token's expiry and scopes from debug_token, at start (awaited,
  // so pageStatus shows them from the first request; each call is bounded) and every TOKEN_CHECK_INTERVAL.
  const checkTokens = () => Promise.all(pages.all.map((page) => page.checkToken()));
  if (config.appId) await checkTokens();
  const tokenChecks = config.appId ? setInterval(() => void checkTokens(), config.tokenCheckInterval * 1000).unref() : undefined;

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
      call,
      open: authenticate === undefined,
      pages,
      caller,
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
  // Swapped whole on reload. An endpoint started open stays open (closing it takes a restart); one
  // started with keys refuses everyone if a reload leaves none, rather than opening.
  let callers = keys.length > 0 ? bearerLookup(keys) : undefined;
  const byKey = callers ? (header: string | undefined) => callers?.(header) : undefined;
  const authenticate = tokens ? bearerOrToken(byKey, tokens.verify) : byKey;
  if (!authenticate && config.nodeEnv === 'production') {
    logger.error(
      'GATEWAY_API_KEYS is not set (nor GATEWAY_CALLERS, nor AUTH_JWKS_URL): the GraphQL endpoint is OPEN. Anyone who can reach it can read Messenger profiles with this Page token. Set GATEWAY_API_KEYS or GATEWAY_CALLERS.',
    );
  }
  const prefetchDropped = metrics.counter({ name: 'gateway_prefetch_dropped_total', help: 'Users dropped from a full prefetch queue (PREFETCH_MAX_QUEUED), oldest first.' });
  const prefetcher = referrals && config.prefetchOnMessage ? new Prefetcher<Page>({
          fields: { messenger: config.prefetchFields, instagram: currentGraphFields('instagram', config.graphApiVersion) },
          windowMs: config.prefetchWindowMs,
          concurrency: config.prefetchConcurrency,
          maxQueued: config.prefetchMaxQueued,
          lookupsPerMinute: config.prefetchLookupsPerMinute,
          onDropped: (count) => prefetchDropped.inc(count),
          logger,
        }) : undefined;
  // Refilled in place on reload: the webhook route holds this array.
  const appSecrets = webhookSecrets(pages.all);
  // Page deliveries name the Page; Instagram ones the account linked to it.
  const pageOf = (accountId: string, platform: Platform) => (platform === 'messenger' ? pages.find(accountId) : pages.findByInstagram(accountId));
  const webhook =
    referrals && config.webhookVerifyToken
      ? webhookRoute({
          verifyToken: config.webhookVerifyToken,
          appSecrets,
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
  const loopWatch = config.eventLoopLagLimitMs > 0 ? new EventLoopWatch(config.eventLoopLagLimitMs, metrics) : undefined;
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
    signIn: tokens !== undefined,
    cors: config.corsOrigins.length > 0 ? corsHandler(config.corsOrigins, config.corsMaxAgeSeconds) : undefined,
    maxRequestBytes: config.maxRequestBytes,
    maxQueryBytes: config.maxQueryBytes,
    routes: [webhook, ops, avatars && avatarRoute({ service: avatars.service, count: avatars.count, clock }), explorer].filter((route) => route !== undefined),
    metrics,
    logger,
    tracer,
    overloaded: loopWatch && (() => loopWatch.refusal()),
  });

  const reloadConfig = options.reloadConfig;
  const reloader =
    reloadConfig &&
    watchReload({
      what: 'Pages, tokens and callers',
      files: config.reloadableFiles,
      load: () => {
        const next = reloadConfig();
        if (configuredPages(next).length === 0) throw new ConfigError('PAGE_ACCESS_TOKEN', 'or PAGES must configure at least one Page');
        return next;
      },
      apply: (next) => {
        scrubMore(logger, secretsOf(next));
        const nextKeys = callerKeys(next);
        callers = nextKeys.length > 0 ? bearerLookup(nextKeys) : undefined;
        // The swap itself is synchronous; what follows (closing removed Pages, debug_token) is not awaited.
        pages
          .update(next)
          .then(() => checkTokens())
          .catch((error: unknown) => logger.error({ err: error }, 'After a reload'));
        appSecrets.splice(0, appSecrets.length, ...webhookSecrets(pages.all));
      },
      logger,
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
        clearInterval(tokenChecks);
        reloader?.close();
        loopWatch?.close();
        await apollo.stop();
        await prefetcher?.close();
        await pages.close();
        await avatars?.close();
        await redis?.close();
        await referrals?.close();
        tokens?.close();
        // Last: the spans of the operations that just finished are exported before the exit.
        await tracer?.close();
      })()),
  };
}
