import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { FetchProfiles } from '../upstream/profiles.js';
import { GuardedStore } from './guarded-store.js';
import { pageKey } from './keys.js';
import { createProfileCache, type ProfileCache } from './profile-cache.js';
import { connectRedis } from './redis-store.js';

export interface CacheLayer extends ProfileCache {
  close(): Promise<void>;
}

type CacheConfig = Pick<
  GatewayConfig,
  'pageId' | 'pageAccessToken' | 'profileCacheTtl' | 'negativeCacheTtl' | 'profileStaleTtl' | 'profileCacheMaxBytes' | 'redisUrl' | 'redisTimeoutMs'
>;

/**
 * The profile cache the configuration asks for, in front of `upstream`: Redis when REDIS_URL is set,
 * else a size-bounded in-memory LRU. Undefined when PROFILE_CACHE_TTL is 0 (cache off).
 */
export async function createCacheLayer(
  config: CacheConfig,
  upstream: FetchProfiles,
  logger: Logger,
  now?: () => number,
): Promise<CacheLayer | undefined> {
  if (config.profileCacheTtl === 0) return undefined;
  if (!config.pageAccessToken) throw new TypeError('createCacheLayer needs config.pageAccessToken');

  let store: KeyValueCache<string>;
  let close = async () => {};
  if (config.redisUrl) {
    const redis = await connectRedis(config.redisUrl, config.redisTimeoutMs);
    store = new GuardedStore(redis.store, { timeoutMs: config.redisTimeoutMs, logger, name: 'redis' });
    close = redis.close;
  } else {
    store = new InMemoryLRUCache<string>({ maxSize: config.profileCacheMaxBytes });
  }
  logger.info(
    { store: config.redisUrl ? 'redis' : 'memory', ttl: config.profileCacheTtl, negativeTtl: config.negativeCacheTtl, staleTtl: config.profileStaleTtl },
    'Profile cache on',
  );

  const cache = createProfileCache(upstream, store, {
    page: pageKey({ pageId: config.pageId, accessToken: config.pageAccessToken }),
    policy: {
      ttlMs: config.profileCacheTtl * 1000,
      negativeTtlMs: config.negativeCacheTtl * 1000,
      staleTtlMs: config.profileStaleTtl * 1000,
    },
    ...(now ? { now } : {}),
  });
  return { ...cache, close };
}
