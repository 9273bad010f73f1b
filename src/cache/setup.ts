import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GatewayConfig, PageConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { FetchProfiles } from '../upstream/profiles.js';
import { GuardedStore } from './guarded-store.js';
import { pageKey } from './keys.js';
import { createProfileCache, type CacheOutcome, type ProfileCache } from './profile-cache.js';
import { connectRedis } from './redis-store.js';

type CacheConfig = Pick<
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

/** One Page's cache in front of its lookups, keyed by the Page, never by its token. */
export function pageCache(
  upstream: FetchProfiles,
  { store }: CacheStore,
  config: CacheConfig,
  page: PageConfig,
  observe: (outcome: CacheOutcome) => void,
  now?: () => number,
): ProfileCache {
  return createProfileCache(upstream, store, {
    page: pageKey({ pageId: page.id, accessToken: page.token }),
    observe,
    policy: {
      ttlMs: config.profileCacheTtl * 1000,
      negativeTtlMs: config.negativeCacheTtl * 1000,
      staleTtlMs: config.profileStaleTtl * 1000,
    },
    ...(now ? { now } : {}),
  });
}
