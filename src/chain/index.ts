import { pageKey, throttleKey } from '../cache/keys.js';
import { createProfileCache } from '../cache/profile-cache.js';
import { cachePolicy } from '../cache/store.js';
import type { EntryStore } from '../cache/stores/entry-store.js';
import type { GatewayConfig, PageConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import { compose, type Caller } from '../core/lookup.js';
import { GraphClient } from '../graph-api/client.js';
import { Breaker } from '../pages/breaker.js';
import type { CallerBudgets } from '../pages/budgets.js';
import { Capabilities } from '../pages/capabilities.js';
import type { UpstreamMetrics } from '../pages/metrics.js';
import type { Page } from '../pages/page.js';
import { SharedThrottle } from '../pages/shared-throttle.js';
import { Throttle } from '../pages/throttle.js';
import type { RedisConnection } from '../redis/connection.js';
import { probeAccess } from './access-probe.js';
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
import { throttled } from './layers/throttle.js';
import { tracedExchanges } from './layers/traced.js';

/** An operator asking for the Page's status: a person waiting, one batch at most. */
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
}

/**
 * One Page's chain, outermost first. A lookup from an operation's loader (profile/loader.ts) goes
 * down this list to the HTTP client; each answer comes back up through it.
 */
export function pageChain(page: PageConfig, dependencies: ChainDependencies): Page {
  const { config, clock, metrics, cacheStore, redis } = dependencies;
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
      })
    : undefined;
  const throttle = new Throttle({ defaultBackoffMs: config.rateLimitBackoffMs }, clock);
  const breaker = new Breaker({ threshold: config.breakerThreshold, cooldownMs: config.breakerCooldownMs }, clock);
  const capabilities = new Capabilities(config.capabilityTtlMs, clock);
  const throttleInRedis = redis && new SharedThrottle(redis, throttleKey(key), throttle, clock);

  const post = sendBatch(client);
  // The lower part of the chain (below), which the access probe uses too.
  const upstreamLayers = [
    // At most 50 sub-requests per batch call.
    batches(),
    // Transient failures asked again, only those sub-requests.
    retries({ retries: config.retryMax, baseMs: config.retryBaseMs, capMs: config.retryCapMs }),
    // With Redis: what other instances learnt of the Page's throttling, and what this one learns.
    throttleInRedis && sharedThrottle(throttleInRedis),
    // No call while the usage headers or a rate-limit code say the Page is throttled.
    throttled(throttle),
    // No call while the Graph API keeps failing.
    failFast(breaker),
    // With OTEL_EXPORTER_OTLP_ENDPOINT set: a span per batch call (status, sub-requests, attempt).
    config.tracing ? tracedExchanges({ baseUrl: config.graphApiUrl, pageId: page.id }) : undefined,
  ];

  const lookup = compose(
    [
      // Fresh fields from the cache, joining lookups under way, stale values when upstream fails.
      cache && cached(cache),
      // Each answer from below dated with the start of its lookup (MessengerProfile.fetchedAt).
      fetchTime(clock),
      // Failed lookups and fields by code, on /metrics.
      countErrors(metrics),
      // Bulk callers wait while the Page's reported usage is at or past BULK_SHED_AT_PERCENT.
      shedding(
        throttle,
        { atPercent: config.bulkShedAtPercent, onShed: (caller, count) => metrics.countCallerLookups(caller, 'shed', count) },
        clock,
      ),
      // Each caller's lookupsPerMinute; what passes is counted as going upstream.
      budgets(dependencies.budgets, key, metrics.countCallerLookups),
      // UPSTREAM_TIMEOUT_MS over everything below: exchanges, retries, back-offs, probes.
      deadline(config.upstreamTimeoutMs),
      // Fields the app may not read become per-field errors; the rest is still answered.
      degradation(capabilities, config.graphApiVersion),
      ...upstreamLayers,
    ],
    // One POST to the batch endpoint.
    post,
  );
  // pageStatus(probePsid:) learns field access past the cache and what degradation remembers.
  const probe = compose([deadline(config.upstreamTimeoutMs), ...upstreamLayers], post);

  return {
    id: page.id,
    key,
    appSecret: page.appSecret,
    lookup,
    cache,
    throttle,
    breaker,
    capabilities,
    probeAccess: (psid, fields) =>
      probeAccess(probe, capabilities, { psid, fields, graphApiVersion: config.graphApiVersion }, { caller: PAGE_STATUS_CALLER }),
    close: () => client.close(),
  };
}
