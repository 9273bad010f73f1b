import type { Clock } from '../core/clock.js';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { CachePolicy } from './entry.js';
import type { EntryStore } from './stores/entry-store.js';
import { GuardedStore, type StoreState } from './stores/guarded.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore, type RedisConnection } from './stores/redis.js';

export type CacheConfig = Pick<
  GatewayConfig,
  'profileCacheTtl' | 'negativeCacheTtl' | 'profileStaleTtl' | 'profileCacheMaxBytes' | 'redisUrl' | 'redisTimeoutMs'
>;

export interface CacheStoreDependencies {
  readonly clock: Clock;
  readonly metrics: GatewayMetrics;
}

const STATE_GAUGE: Readonly<Record<StoreState, number>> = { answering: 0, paused: 1, probing: 2 };

/**
 * The store every Page's cache shares: Redis (over the gateway's connection, which the gateway
 * closes) when REDIS_URL is set, else a size-bounded LRU. Undefined when PROFILE_CACHE_TTL is 0
 * (cache off).
 */
export function openCacheStore(
  config: CacheConfig,
  logger: Logger,
  redis: RedisConnection | undefined,
  { clock, metrics }: CacheStoreDependencies,
): EntryStore | undefined {
  if (config.profileCacheTtl === 0) return undefined;
  logger.info(
    { store: redis ? 'redis' : 'memory', ttl: config.profileCacheTtl, negativeTtl: config.negativeCacheTtl, staleTtl: config.profileStaleTtl },
    'Profile cache on',
  );
  if (!redis) return new MemoryStore(config.profileCacheMaxBytes);
  const labels = { store: 'redis' };
  const failures = metrics.counter({
    name: 'gateway_cache_store_failures_total',
    help: 'Profile cache store operations that timed out or failed (each read as a miss, or a write not made).',
    labelNames: ['store'],
  });
  const skipped = metrics.counter({
    name: 'gateway_cache_store_skipped_total',
    help: 'Profile cache store operations not sent because the store is paused after consecutive failures.',
    labelNames: ['store'],
  });
  const store = new GuardedStore(new RedisStore(redis.client), {
    timeoutMs: config.redisTimeoutMs,
    logger,
    name: labels.store,
    clock,
    onFailure: () => failures.inc(labels),
    onSkip: () => skipped.inc(labels),
  });
  metrics.gauge({
    name: 'gateway_cache_store_state',
    help: 'Profile cache store: 0 answering, 1 paused after consecutive failures (not asked), 2 probing.',
    labelNames: ['store'],
    collect() {
      this.set(labels, STATE_GAUGE[store.state]);
    },
  });
  failures.inc(labels, 0);
  skipped.inc(labels, 0);
  return store;
}

/** The cache's policy as configured (seconds) in milliseconds. */
export function cachePolicy(config: CacheConfig): CachePolicy {
  return {
    ttlMs: config.profileCacheTtl * 1000,
    negativeTtlMs: config.negativeCacheTtl * 1000,
    staleTtlMs: config.profileStaleTtl * 1000,
  };
}
