import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { pageKey } from '../cache/keys.js';
import { createProfileCache, type ProfileCache } from '../cache/profile-cache.js';
import { cachePolicy } from '../cache/store.js';
import type { Clock } from '../clock.js';
import type { GatewayConfig, PageConfig } from '../config.js';
import { batches, sendBatch } from '../graph-api/batch.js';
import { Breaker, breaker } from '../graph-api/breaker.js';
import { Capabilities } from '../graph-api/capabilities.js';
import { GraphClient } from '../graph-api/client.js';
import { deadline } from '../graph-api/deadline.js';
import { degradation } from '../graph-api/degradation.js';
import { compose, type Lookup } from '../graph-api/lookup.js';
import { retries } from '../graph-api/retry.js';
import { Throttle, throttled } from '../graph-api/throttle.js';
import { tracedExchanges } from '../graph-api/traced.js';
import type { UpstreamMetrics } from './metrics.js';

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
  close(): Promise<void>;
}

export interface ChainDependencies {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly metrics: UpstreamMetrics;
  /** The profile cache's store; undefined when the cache is off. */
  readonly cacheStore: KeyValueCache<string> | undefined;
}

/**
 * One Page's chain, outermost first. A lookup from an operation's loader (profile/loader.ts) goes
 * down this list to the HTTP client; each answer comes back up through it.
 */
export function pageChain(page: PageConfig, { config, clock, metrics, cacheStore }: ChainDependencies): PageRuntime {
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
        // Keyed by the Page, never by its token.
        page: pageKey({ pageId: page.id, accessToken: page.token }),
        policy: cachePolicy(config),
        observe: (outcome) => metrics.observeCache(outcome),
        clock,
      })
    : undefined;
  const throttle = new Throttle({ defaultBackoffMs: config.rateLimitBackoffMs }, clock);
  const circuit = new Breaker({ threshold: config.breakerThreshold, cooldownMs: config.breakerCooldownMs }, clock);
  const capabilities = new Capabilities(config.capabilityTtlMs, clock);

  const lookup = compose(
    [
      // Fresh fields from the cache, joining lookups under way, stale values when upstream fails.
      cache?.layer,
      // Failed lookups and fields by code, on /metrics.
      metrics.countErrors(),
      // UPSTREAM_TIMEOUT_MS over everything below: exchanges, retries, back-offs, probes.
      deadline(config.upstreamTimeoutMs),
      // Fields the app may not read become per-field errors; the rest is still answered.
      degradation(capabilities, config.graphApiVersion),
      // At most 50 sub-requests per batch call.
      batches(),
      // Transient failures asked again, only those sub-requests.
      retries({ retries: config.retryMax, baseMs: config.retryBaseMs, capMs: config.retryCapMs }),
      // No call while the usage headers or a rate-limit code say the Page is throttled.
      throttled(throttle),
      // No call while the Graph API keeps failing.
      breaker(circuit),
      // With OTEL_EXPORTER_OTLP_ENDPOINT set: a span per batch call (status, sub-requests, attempt).
      config.tracing ? tracedExchanges({ baseUrl: config.graphApiUrl, pageId: page.id }) : undefined,
    ],
    // One POST to the batch endpoint.
    sendBatch(client),
  );

  return {
    id: page.id,
    appSecret: page.appSecret,
    lookup,
    cache,
    throttle,
    breaker: circuit,
    capabilities,
    close: () => client.close(),
  };
}
