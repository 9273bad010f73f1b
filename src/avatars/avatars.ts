import { avatarKey } from '../cache/keys.js';
import type { GatewayConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Pages } from '../pages/pages.js';
import type { RedisConnection } from '../redis/connection.js';
import { AvatarCache } from './bytes-cache.js';
import { PictureFetcher } from './fetch-picture.js';
import { avatarLinks } from './links.js';
import { AVATAR_RESULTS, AvatarService, type AvatarResult } from './service.js';
import { AvatarSigner, type AvatarSubject } from './signing.js';

export interface AvatarDependencies {
  readonly pages: Pages;
  readonly redis: RedisConnection | undefined;
  readonly metrics: GatewayMetrics;
  readonly clock: Clock;
  /** PUBLIC_URL, or the address the gateway listens at once it does. */
  readonly publicUrl: () => string;
}

export interface Avatars {
  /** The signed URL `avatarUrl` answers for a user. */
  readonly link: (subject: AvatarSubject) => string;
  /** What the /avatars route serves. */
  readonly service: AvatarService;
  /** Counts one avatar request in gateway_avatar_requests_total. */
  readonly count: (result: AvatarResult) => void;
  close(): Promise<void>;
}

/**
 * Signed avatar URLs (AVATAR_SIGNING_KEY) and what serves their pictures: read through the Pages'
 * chains, fetched from allowlisted CDN hosts, cached by bytes (in Redis too with REDIS_URL).
 */
export function startAvatars(config: GatewayConfig, { pages, redis, metrics, clock, publicUrl }: AvatarDependencies): Avatars {
  const signer = new AvatarSigner(config.avatarSigningKeys);
  const cache = new AvatarCache({ maxBytes: config.avatarCacheMaxBytes, ttlSeconds: config.avatarCacheTtl, redis });
  const fetcher = new PictureFetcher({ maxBytes: config.avatarMaxBytes, timeoutMs: config.avatarFetchTimeoutMs });
  const service = new AvatarService({
    signer,
    cache,
    fetcher,
    hosts: config.avatarHosts,
    // '' names the default Page of a gateway configured without PAGE_ID.
    pageOf: (pageId) => (pageId === '' ? (pages.default?.id === undefined ? pages.default : undefined) : pages.find(pageId)),
    keyOf: (page, subject) => avatarKey(page.key, subject.kind, subject.userId),
    lookupsPerMinute: config.avatarLookupsPerMinute,
    clock,
  });
  const requests = metrics.counter({
    name: 'gateway_avatar_requests_total',
    help: 'Avatar requests by result: hit, fetched, refreshed, stale (last good bytes), refused (signature or picture host), not_found, unavailable.',
    labelNames: ['result'],
  });
  for (const result of AVATAR_RESULTS) requests.inc({ result }, 0);
  metrics.gauge({
    name: 'gateway_avatar_cache_bytes',
    help: 'Bytes of pictures (and their metadata) in the in-memory avatar cache.',
    labelNames: ['store'],
    collect() {
      this.set({ store: 'memory' }, cache.memoryBytes);
    },
  });
  return {
    link: avatarLinks(signer, publicUrl, config.avatarUrlTtl, clock),
    service,
    count: (result) => requests.inc({ result }),
    close: () => fetcher.close(),
  };
}
