import type { Clock } from '../core/clock.js';
import type { Caller } from '../core/lookup.js';
import type { Page } from '../pages/page.js';
import type { AvatarCache, AvatarEntry } from './bytes-cache.js';
import type { PictureFetcher } from './fetch-picture.js';
import { pictureUrlExpiry } from '../core/picture-url.js';
import { allowedPicture } from './hosts.js';
import { PICTURE_SOURCES, type PictureRead, type PictureSource } from './sources.js';
import type { AvatarSigner, AvatarSubject } from './signing.js';

/** How an avatar request ended, as counted in `gateway_avatar_requests_total{result}`. */
export const AVATAR_RESULTS = ['hit', 'fetched', 'refreshed', 'stale', 'refused', 'not_found', 'unavailable'] as const;
export type AvatarResult = (typeof AVATAR_RESULTS)[number];

/** What to answer one avatar request with. */
export type AvatarAnswer =
  | { readonly result: 'hit' | 'fetched' | 'refreshed' | 'stale'; readonly entry: AvatarEntry; readonly maxAgeSeconds: number }
  /** A wrong or expired signature, before any lookup. */
  | { readonly result: 'refused'; readonly reason: 'signature' | 'host' }
  | { readonly result: 'not_found' }
  | { readonly result: 'unavailable'; readonly rateLimited: boolean; readonly retryAfterSeconds?: number | undefined };

export interface AvatarServiceOptions {
  readonly signer: AvatarSigner;
  readonly cache: AvatarCache;
  readonly fetcher: PictureFetcher;
  /** AVATAR_HOSTS: the only hosts a picture is fetched from. */
  readonly hosts: readonly string[];
  /** The Page an avatar URL names ('' is the default Page's). */
  readonly pageOf: (pageId: string) => Page | undefined;
  /** The store key of a user's picture (cache/keys.ts's avatarKey). */
  readonly keyOf: (page: Page, subject: AvatarSubject) => string;
  /** AVATAR_LOOKUPS_PER_MINUTE, per Page, shared by every avatar lookup. */
  readonly lookupsPerMinute: number;
  readonly clock: Clock;
}

/** Bytes without an expiry in their source URL are checked again after this long. */
const FRESH_WITHOUT_EXPIRY_MS = 24 * 3600 * 1000;
/** Longest max-age of a fresh answer: a new picture reaches browsers within it. */
const MAX_AGE_SECONDS = 3600;
/** max-age of last good bytes served for a failing Graph API or CDN: asked again soon. */
const STALE_MAX_AGE_SECONDS = 60;

/**
 * Serves the picture behind a signed avatar URL: cached bytes while their source URL works, else
 * the user's current picture URL read through the Page's chain and fetched from the CDN, and the
 * last good bytes when either fails. Concurrent requests for one picture share one load.
 */
export class AvatarService {
  private readonly loading = new Map<string, Promise<AvatarAnswer>>();
  // A cold load may be one of a flood of distinct users: bulk, shed first when the Page's quota
  // runs low. A refresh replaces a picture someone is looking at: interactive. One budget for both.
  private readonly coldCaller: Caller;
  private readonly refreshCaller: Caller;

  constructor(private readonly options: AvatarServiceOptions) {
    this.coldCaller = { name: 'avatars', priority: 'bulk', lookupsPerMinute: options.lookupsPerMinute };
    this.refreshCaller = { name: 'avatars', priority: 'interactive', lookupsPerMinute: options.lookupsPerMinute };
  }

  /** Answers one request for `/avatars/<id>?sig=…&exp=…`; a bad signature costs no lookup. */
  async serve(id: string, sig: string, exp: string | undefined): Promise<AvatarAnswer> {
    const verified = this.options.signer.verify(id, sig, exp, this.options.clock());
    if ('refused' in verified) return { result: 'refused', reason: 'signature' };
    const { subject } = verified;
    const page = this.options.pageOf(subject.pageId);
    const source = PICTURE_SOURCES[subject.kind];
    if (!page || !source) return { result: 'not_found' };
    const key = this.options.keyOf(page, subject);
    let answer = this.loading.get(key);
    if (!answer) {
      answer = this.load(page, source, subject, key).finally(() => this.loading.delete(key));
      this.loading.set(key, answer);
    }
    return answer;
  }

  private async load(page: Page, source: PictureSource, subject: AvatarSubject, key: string): Promise<AvatarAnswer> {
    const { cache } = this.options;
    const cached = await cache.get(key);
    if (cached && this.fresh(cached)) return { result: 'hit', entry: cached, maxAgeSeconds: this.maxAge(cached) };
    const caller = cached ? this.refreshCaller : this.coldCaller;
    let read = await source(page, subject.userId, caller, false);
    for (let attempt = 0; ; attempt++) {
      if (read.kind === 'gone') {
        await cache.delete(key);
        return { result: 'not_found' };
      }
      if (read.kind === 'failed') return this.lastGood(cached, read);
      // A URL from the profile cache that the CDN refuses is read again once from the Graph API.
      const fetched = await this.fetch(read.url);
      if (fetched.kind === 'entry') {
        await cache.set(key, fetched.entry);
        return { result: cached ? 'refreshed' : 'fetched', entry: fetched.entry, maxAgeSeconds: this.maxAge(fetched.entry) };
      }
      // The Graph API named a picture host outside AVATAR_HOSTS: never fetched.
      if (fetched.kind === 'refused' && !cached) return { result: 'refused', reason: 'host' };
      if (fetched.kind !== 'gone' || !read.fromCache || attempt > 0) return this.lastGood(cached, { kind: 'failed', rateLimited: false });
      read = await source(page, subject.userId, this.refreshCaller, true);
    }
  }

  private async fetch(url: string): Promise<{ kind: 'entry'; entry: AvatarEntry } | { kind: 'gone' | 'failed' | 'refused' }> {
    const allowed = allowedPicture(url, this.options.hosts);
    if (!allowed) return { kind: 'refused' };
    const now = this.options.clock();
    const expiry = pictureUrlExpiry(url);
    // An expired URL is not worth a CDN request: it answers 403.
    if (expiry !== undefined && now >= expiry) return { kind: 'gone' };
    const picture = await this.options.fetcher.fetch(allowed);
    if (picture.kind !== 'image') return { kind: picture.kind };
    const { bytes, contentType, etag } = picture;
    return { kind: 'entry', entry: { bytes, contentType, etag, source: url, sourceExpiry: expiry, fetchedAt: now } };
  }

  private lastGood(cached: AvatarEntry | undefined, read: Extract<PictureRead, { kind: 'failed' }>): AvatarAnswer {
    if (cached) return { result: 'stale', entry: cached, maxAgeSeconds: STALE_MAX_AGE_SECONDS };
    return { result: 'unavailable', rateLimited: read.rateLimited, retryAfterSeconds: read.retryAfterSeconds };
  }

  private fresh(entry: AvatarEntry): boolean {
    const now = this.options.clock();
    if (entry.sourceExpiry !== undefined && now >= entry.sourceExpiry) return false;
    return now - entry.fetchedAt < FRESH_WITHOUT_EXPIRY_MS;
  }

  private maxAge(entry: AvatarEntry): number {
    const now = this.options.clock();
    const untilExpiry = entry.sourceExpiry === undefined ? MAX_AGE_SECONDS : Math.floor((entry.sourceExpiry - now) / 1000);
    const untilRecheck = Math.floor((entry.fetchedAt + FRESH_WITHOUT_EXPIRY_MS - now) / 1000);
    return Math.max(0, Math.min(MAX_AGE_SECONDS, untilExpiry, untilRecheck));
  }
}
