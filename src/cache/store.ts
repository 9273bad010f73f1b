import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { CachePolicy } from './entry.js';
import { GuardedStore } from './stores/guarded.js';
import { connectRedis } from './stores/redis.js';

export type CacheConfig = Pick<
  GatewayConfig,
  'profileCacheTtl' | 'negativeCacheTtl' | 'profileStaleTtl' | 'profileCacheMaxBytes' | 'redisUrl' | 'redisTimeoutMs'
>;

/** The store every Page's cache shares: Redis when REDIS_URL is set, else a size-bounded LRU. */
export interface CacheStore {
  readonly store: KeyValueCache<string>;
  /** Whether Redis answers (always true for the in-memory store); for /readyz. */
  reachable(): boolean;
  close(): Promise<void>;
}

/** Opens the configured store; undefined when PROFILE_CACHE_TTL is 0 (cache off). */
export async function openCacheStore(config: CacheConfig, logger: Logger): Promise<CacheStore | undefined> {
  if (config.profileCacheTtl === 0) return undefined;
  logger.info(
    { store: config.redisUrl ? 'redis' : 'memory', ttl: config.profileCacheTtl, negativeTtl: config.negativeCacheTtl, staleTtl: config.profileStaleTtl },
    'Profile cache on',
  );
  if (!config.redisUrl) {
    return { store: new InMemoryLRUCache<string>({ maxSize: config.profileCacheMaxBytes }), reachable: () => true, close: async () => {} };
  }
  const redis = await connectRedis(config.redisUrl, config.redisTimeoutMs);
  return {
    store: new GuardedStore(redis.store, { timeoutMs: config.redisTimeoutMs, logger, name: 'redis' }),
    reachable: redis.reachable,
    close: redis.close,
  };
}

/** The cache's policy as configured (seconds) in milliseconds. */
export function cachePolicy(config: CacheConfig): CachePolicy {
  return {
    ttlMs: config.profileCacheTtl * 1000,
    negativeTtlMs: config.negativeCacheTtl * 1000,
    staleTtlMs: config.profileStaleTtl * 1000,
  };
}
