import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { CachePolicy } from './entry.js';
import { GuardedStore } from './stores/guarded.js';
import { RedisStore, type RedisConnection } from './stores/redis.js';

export type CacheConfig = Pick<
  GatewayConfig,
  'profileCacheTtl' | 'negativeCacheTtl' | 'profileStaleTtl' | 'profileCacheMaxBytes' | 'redisUrl' | 'redisTimeoutMs'
>;

/**
 * The store every Page's cache shares: Redis (over the gateway's connection, which the gateway
 * closes) when REDIS_URL is set, else a size-bounded LRU. Undefined when PROFILE_CACHE_TTL is 0
 * (cache off).
 */
export function openCacheStore(config: CacheConfig, logger: Logger, redis: RedisConnection | undefined): KeyValueCache<string> | undefined {
  if (config.profileCacheTtl === 0) return undefined;
  logger.info(
    { store: redis ? 'redis' : 'memory', ttl: config.profileCacheTtl, negativeTtl: config.negativeCacheTtl, staleTtl: config.profileStaleTtl },
    'Profile cache on',
  );
  if (!redis) return new InMemoryLRUCache<string>({ maxSize: config.profileCacheMaxBytes });
  return new GuardedStore(new RedisStore(redis.client), { timeoutMs: config.redisTimeoutMs, logger, name: 'redis' });
}

/** The cache's policy as configured (seconds) in milliseconds. */
export function cachePolicy(config: CacheConfig): CachePolicy {
  return {
    ttlMs: config.profileCacheTtl * 1000,
    negativeTtlMs: config.negativeCacheTtl * 1000,
    staleTtlMs: config.profileStaleTtl * 1000,
  };
}
