import type { Redis } from 'ioredis';
import { pageKey, throttleKey } from '../cache/keys.js';
import { createProfileCache, type ProfileCache } from '../cache/profile-cache.js';
import { cachePolicy } from '../cache/store.js';
import type { EntryStore } from '../cache/stores/entry-store.js';
import type { Clock } from '../clock.js';
import type { GatewayConfig, PageConfig } from '../config.js';
import { probeAccess, type ProbeResult } from '../graph-api/access-probe.js';
import { batches, sendBatch } from '../graph-api/batch.js';
import { Breaker, breaker } from '../graph-api/breaker.js';
import { Capabilities } from '../graph-api/capabilities.js';
import { GraphClient } from '../graph-api/client.js';
import { deadline } from '../graph-api/deadline.js';
import { degradation } from '../graph-api/degradation.js';
import { fetchTime } from '../graph-api/fetch-time.js';
import type { GraphField } from '../graph-api/fields.js';
import type { Psid } from '../graph-api/ids.js';
import { compose, type Caller, type Lookup } from '../graph-api/lookup.js';
import { retries } from '../graph-api/retry.js';
import { shedding } from '../graph-api/shedding.js';
import { Throttle, throttled } from '../graph-api/throttle.js';
import { tracedExchanges } from '../graph-api/traced.js';
import type { OutageLog } from '../observability/outage.js';
import { budgets, type CallerBudgets } from './budgets.js';
import type { UpstreamMetrics } from './metrics.js';
import { SharedThrottle } from './shared-throttle.js';

/** An operator asking for the Page's status: a person waiting, one batch at most. */
const PAGE_STATUS_CALLER: Caller = { name: 'page-status', priority: 'interactive' };

/** A Page's own access to the Graph API: its token, its chain, and the state its layers keep. */
export interface PageRuntime {
  readonly id: string | undefined;
  readonly appSecret: string | undefined;
  /** The Page's lookups with every layer applied: what the per-operation loaders call. */
  readonly lookup: Lookup;
  /** Undefined when the cache is off (PROFILE_CACHE_TTL=0). */
  readonly cache: ProfileCache | undefined;
  readonly throttle: Throttle;
  readonly breaker: Breaker;
  readonly capabilities: Capabilities;
  /**
   * Learns now which of `fields` the app may read, with one batch call for one user: each
   * permission's fields asked alone, past the cache and what degradation remembers.
   */
  probeAccess(psid: Psid, fields: readonly GraphField[]): Promise<ProbeResult>;
  close(): Promise<void>;
}

export interface ChainDependencies {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly metrics: UpstreamMetrics;
  /** The profile cache's store; undefined when the cache is off. */
  readonly cacheStore: EntryStore | undefined;
  /** Every caller's lookupsPerMinute (shared by the Pages, counted per Page). */
  readonly budgets: CallerBudgets;
  /** Redis, with REDIS_URL: every instance then learns when a Page is throttled. */
  readonly shared: { readonly redis: Redis; readonly outage: OutageLog } | undefined;
}

/**
 * One Page's chain, outermost first. A lookup from an operation's loader (profile/loader.ts) goes
 * down this list to the HTTP client; each answer comes back up through it.
 */
export function pageChain(page: PageConfig, dependencies: ChainDependencies): PageRuntime {
  const { config, clock, metrics, cacheStore, shared } = dependencies;
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
  const circuit = new Breaker({ threshold: config.breakerThreshold, cooldownMs: config.breakerCooldownMs }, clock);
  const capabilities = new Capabilities(config.capabilityTtlMs, clock);
  const sharedThrottle = shared && new SharedThrottle(shared.redis, throttleKey(key), throttle, clock, shared.outage);

  const post = sendBatch(client);
  // The lower part of the chain (below), shared with the access probe.
  const upstreamLayers = [
    // At most 50 sub-requests per batch call.
    batches(),
    // Transient failures asked again, only those sub-requests.
    retries({ retries: config.retryMax, baseMs: config.retryBaseMs, capMs: config.retryCapMs }),
    // With Redis: what other instances learnt of the Page's throttling, and what this one learns.
    sharedThrottle?.layer,
    // No call while the usage headers or a rate-limit code say the Page is throttled.
    throttled(throttle),
    // No call while the Graph API keeps failing.
    breaker(circuit),
    // With OTEL_EXPORTER_OTLP_ENDPOINT set: a span per batch call (status, sub-requests, attempt).
    config.tracing ? tracedExchanges({ baseUrl: config.graphApiUrl, pageId: page.id }) : undefined,
  ];

  const lookup = compose(
    [
      // Fresh fields from the cache, joining lookups under way, stale values when upstream fails.
      cache?.layer,
      // Each answer from below dated with the start of its lookup (MessengerProfile.fetchedAt).
      fetchTime(clock),
      // Failed lookups and fields by code, on /metrics.
      metrics.countErrors(),
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
    appSecret: page.appSecret,
    lookup,
    cache,
    throttle,
    breaker: circuit,
    capabilities,
    probeAccess: (psid, fields) =>
      probeAccess(probe, capabilities, { psid, fields, graphApiVersion: config.graphApiVersion }, { caller: PAGE_STATUS_CALLER }),
    close: () => client.close(),
  };
}
