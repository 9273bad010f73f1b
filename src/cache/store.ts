import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { CachePolicy } from './entry.js';
import type { EntryStore } from './stores/entry-store.js';
import type { RedisConnection } from '../redis/connection.js';
import type { RedisState } from '../redis/guard.js';
import { GuardedStore } from './stores/guarded.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';

export type CacheConfig = Pick<
  GatewayConfig,
  'profileCacheTtl' | 'negativeCacheTtl' | 'profileStaleTtl' | 'profileCacheMaxBytes' | 'redisUrl'
>;

export interface CacheStoreDependencies {
  readonly metrics: GatewayMetrics;
}

const STATE_GAUGE: Readonly<Record<RedisState, number>> = { answering: 0, paused: 1, probing: 2 };

/**
 * The store every Page's cache shares: Redis (over the gateway's connection, which the gateway
 * closes) when REDIS_URL is set, else a size-bounded LRU. Undefined when PROFILE_CACHE_TTL is 0
 * (cache off).
 */
export function openCacheStore(
  config: CacheConfig,
  logger: Logger,
  redis: RedisConnection | undefined,
  { metrics }: CacheStoreDependencies,
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
    help: 'Profile cache store operations not sent because Redis is paused after consecutive failures.',
    labelNames: ['store'],
  });
  const { guard } = redis;
  const store = new GuardedStore(new RedisStore(redis.client), guard, {
    onFailure: () => failures.inc(labels),
    onSkip: () => skipped.inc(labels),
  });
  metrics.gauge({
    name: 'gateway_cache_store_state',
    help: 'Redis, as the profile cache store sees it: 0 answering, 1 paused after consecutive failures of any of its users (not asked), 2 probing.',
    labelNames: ['store'],
    collect() {
      this.set(labels, STATE_GAUGE[guard.state]);
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
