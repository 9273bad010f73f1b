import { pageKey, throttleKey } from '../cache/keys.js';
import { createProfileCache } from '../cache/profile-cache.js';
import { cachePolicy } from '../cache/store.js';
import type { EntryStore } from '../cache/stores/entry-store.js';
import type { GatewayConfig, PageConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import { overBudget } from '../core/errors.js';
import { messengerUser } from '../core/ids.js';
import { compose, type Caller, type LookupCall } from '../core/lookup.js';
import { GraphClient } from '../graph-api/client.js';
import type { Logger } from '../observability/logger.js';
import { Breaker } from '../pages/breaker.js';
import type { CallerBudgets } from '../pages/budgets.js';
import { Capabilities } from '../pages/capabilities.js';
import type { UpstreamMetrics } from '../pages/metrics.js';
import type { Page } from '../pages/page.js';
import { RetryBudget } from '../pages/retry-budget.js';
import { SharedThrottle } from '../pages/shared-throttle.js';
import { UpstreamQueue } from '../pages/upstream-queue.js';
import { Throttle } from '../pages/throttle.js';
import type { RedisConnection } from '../redis/connection.js';
import { TokenHealth } from '../pages/token.js';
import { checkToken } from '../pages/token-check.js';
import { probeAccess } from './access-probe.js';
import { admission } from './layers/admission.js';
import { batches, sendBatch } from './layers/batch.js';
import { failFast } from './layers/breaker.js';
import { budgets } from './layers/budgets.js';
import { cached } from './layers/cache.js';
import { countErrors } from './layers/count-errors.js';
import { deadline } from './layers/deadline.js';
import { degradation } from './layers/degradation.js';
import { fetchTime } from './layers/fetch-time.js';
import { retries } from './layers/retry.js';
import { sharedThrottle } from './layers/shared-throttle.js';
import { shedding } from './layers/shedding.js';
import { splitWhenTooLarge } from './layers/split.js';
import { throttled } from './layers/throttle.js';
import { tokenGuard, tokenWatch } from './layers/token-guard.js';
import { tracedExchanges } from './layers/traced.js';

/** Whom a probe is for on an open endpoint (no API keys): a person waiting, one batch at most. */
const PAGE_STATUS_CALLER: Caller = { name: 'page-status', priority: 'interactive' };

export interface ChainDependencies {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly metrics: UpstreamMetrics;
  /** The profile cache's store; undefined when the cache is off. */
  readonly cacheStore: EntryStore | undefined;
  /** Every caller's lookupsPerMinute (shared by the Pages, counted per Page). */
  readonly budgets: CallerBudgets;
  /** Redis, with REDIS_URL: every instance then learns when a Page is throttled. */
  readonly redis: RedisConnection | undefined;
  readonly logger: Logger;
}

/**
 * One Page's chain, outermost first. A lookup from an operation's loader (profile/loader.ts) goes
 * down this list to the HTTP client; each answer comes back up through it.
 */
export function pageChain(page: PageConfig, dependencies: ChainDependencies): Page {
  const { config, clock, metrics, cacheStore, redis, logger } = dependencies;
  // Keyed by the Page, never by its token: the cache, budgets and shared throttle state.
  const key = pageKey({ pageId: page.id, accessToken: page.token });
  const client = new GraphClient({
    baseUrl: config.graphApiUrl,
    version: config.graphApiVersion,
    accessToken: page.token,
    appSecret: page.appSecret,
    timeoutMs: config.upstreamTimeoutMs,
    maxResponseBytes: config.upstreamMaxResponseBytes,
    connections: config.upstreamConnections,
    onExchange: (exchange) => metrics.observeExchange(exchange),
  });
  const cache = cacheStore
    ? createProfileCache(cacheStore, {
        page: key,
        policy: cachePolicy(config),
        observe: (outcome, call) => metrics.observeCache(outcome, call),
        clock,
        lookupMs: config.upstreamTimeoutMs,
      })
    : undefined;
  const throttle = new Throttle({ defaultBackoffMs: config.rateLimitBackoffMs, usageProbeMs: config.usageProbeIntervalMs }, clock);
  const breaker = new Breaker({ threshold: config.breakerThreshold, cooldownMs: config.breakerCooldownMs }, clock);
  const capabilities = new Capabilities(config.capabilityTtlMs, clock);
  const instagramCapabilities = new Capabilities(config.capabilityTtlMs, clock);
  const token = new TokenHealth({ probeIntervalMs: config.tokenProbeIntervalMs, pageId: page.id }, clock, logger);
  // Rotated in place (Page.rotate): the chain and its state stay.
  let credentials = { token: page.token, appSecret: page.appSecret };
  const guard = tokenGuard(token);
  const throttleInRedis = redis && new SharedThrottle(redis, throttleKey(key), throttle, clock);

  // At most UPSTREAM_CONNECTIONS batch calls at once; the rest wait in a queue the gateway measures.
  const queue = new UpstreamQueue(config.upstreamConnections);
  const post = queue.track(sendBatch(client));
  // The lower part of the chain (below), which the access probe uses too.
  const upstreamLayers = [
    // At most 50 sub-requests per batch call.
    batches(),
    // Transient failures asked again, only those sub-requests, within the Page's retry budget.
    retries({
      retries: config.retryMax,
      baseMs: config.retryBaseMs,
      capMs: config.retryCapMs,
      budget: new RetryBudget(config.retryBudgetPercent / 100, clock),
    }),
    // With Redis: what other instances learnt of the Page's throttling, and what this one learns.
    throttleInRedis && sharedThrottle(throttleInRedis),
    // No call while the usage headers or a rate-limit code say the Page is throttled.
    throttled(throttle),
    // No call while the Graph API keeps failing.
    failFast(breaker),
    // With OTEL_EXPORTER_OTLP_ENDPOINT set: a span per batch call (status, sub-requests, attempt).
    config.tracing ? tracedExchanges({ baseUrl: config.graphApiUrl, pageId: page.id }) : undefined,
    // A batch refused as too large (code 1, "reduce the amount of data") asked again once, in two halves.
    splitWhenTooLarge(),
    // What each exchange says of the Page token (refused as a whole: invalid; answered: valid).
    tokenWatch(token),
  ];

  // What every caller's lookup passes before going upstream, probes included.
  const callerLayers = [
    // Bulk callers wait while the Page's reported usage is at or past BULK_SHED_AT_PERCENT.
    shedding(
      throttle,
      { atPercent: config.bulkShedAtPercent, onShed: (caller, count) => metrics.countCallerLookups(caller, 'shed', count) },
      clock,
    ),
    // Nothing the Page's queue could not answer within the deadline (bulk: half of it).
    admission(queue, config.upstreamTimeoutMs),
    // Each caller's lookupsPerMinute; what passes is counted as going upstream.
    budgets(dependencies.budgets, key, metrics.countCallerLookups),
    // UPSTREAM_TIMEOUT_MS over everything below: exchanges, retries, back-offs, probes.
    deadline(config.upstreamTimeoutMs),
  ];

  const lookup = compose(
    [
      // Fresh fields from the cache, joining lookups under way, stale values when upstream fails.
      cache && cached(cache),
      // Each answer from below dated with the start of its lookup (MessengerProfile.fetchedAt).
      fetchTime(clock),
      // Failed lookups and fields by code, on /metrics.
      countErrors(metrics),
      // While the Graph API refuses the token: UPSTREAM_AUTH_FAILED at once, one probe per TOKEN_PROBE_INTERVAL_MS.
      guard,
      ...callerLayers,
      // Fields the app may not read become per-field errors; the rest is still answered.
      degradation({ messenger: capabilities, instagram: instagramCapabilities }, config.graphApiVersion),
      ...upstreamLayers,
    ],
    // One POST to the batch endpoint.
    post,
  );
  // pageStatus(probePsid:) learns field access past the cache and what degradation remembers, but
  // pays like any lookup: the operation's caller, shed, budgeted and charged.
  const probe = compose([guard, ...callerLayers, ...upstreamLayers], post);
  const appId = config.appId;

  return {
    id: page.id,
    key,
    get appSecret() {
      return credentials.appSecret;
    },
    instagramAccountId: page.instagramAccountId,
    lookup,
    token,
    rotate: (newToken, appSecret) => {
      if (newToken === credentials.token && appSecret === credentials.appSecret) return;
      credentials = { token: newToken, appSecret };
      client.setCredentials(newToken, appSecret);
      token.rotated();
    },
    checkToken: async () => {
      // The app's own secret (APP_SECRET) makes the app access token, whatever the Page's proof uses.
      const secret = config.appSecret;
      if (appId === undefined || secret === undefined) return;
      await checkToken(client, token, { token: credentials.token, appId, appSecret: secret, pageId: page.id }, logger, clock);
    },
    cache,
    throttle,
    breaker,
    capabilities,
    instagramCapabilities,
    probeAccess: (user, fields, call) =>
      probeAccess(
        probe,
        user.platform === 'instagram' ? instagramCapabilities : capabilities,
        { user, fields, graphApiVersion: config.graphApiVersion },
        { ...call, caller: call.caller ?? PAGE_STATUS_CALLER },
      ),
    refresh: async (psid, call) => {
      await chargeRefresh(dependencies.budgets, key, call, metrics);
      await cache?.refresh(messengerUser(psid));
    },
    close: () => client.close(),
  };
}

/**
 * A refresh makes the next read of a user go upstream, for whoever reads it: it costs its caller
 * a lookup, so a spent budget cannot drain the cache that other callers rely on.
 */
async function chargeRefresh(callerBudgets: CallerBudgets, page: string, { caller }: LookupCall, metrics: UpstreamMetrics): Promise<void> {
  const perMinute = caller?.lookupsPerMinute;
  if (caller === undefined || perMinute === undefined) return;
  const { granted, retryAfterSeconds } = await callerBudgets.take(caller.name, perMinute, page, 1);
  if (granted > 0) return;
  metrics.countCallerLookups(caller, 'over_budget', 1);
  throw overBudget(retryAfterSeconds);
}
