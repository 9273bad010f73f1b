import type { ProfileCache } from '../cache/profile-cache.js';
import type { GraphField } from '../core/fields.js';
import type { UserRef } from '../core/ids.js';
import type { Lookup } from '../core/lookup.js';
import type { Breaker } from './breaker.js';
import type { Capabilities, ProbeResult } from './capabilities.js';
import type { Throttle } from './throttle.js';

/** A Page's own access to the Graph API: its token, its chain, and the state its layers keep. */
export interface PageRuntime {
  readonly id: string | undefined;
  readonly appSecret: string | undefined;
  /** The Instagram professional account linked to the Page; undefined when none is configured. */
  readonly instagramAccountId: string | undefined;
  /** The Page's lookups with every layer applied: what the per-operation loaders call. */
  readonly lookup: Lookup;
  /** Undefined when the cache is off (PROFILE_CACHE_TTL=0). */
  readonly cache: ProfileCache | undefined;
  readonly throttle: Throttle;
  readonly breaker: Breaker;
  readonly capabilities: Capabilities;
  /** What is learnt of reading the Instagram fields (their permissions differ from Messenger's). */
  readonly instagramCapabilities: Capabilities;
  /**
   * Learns now which of `fields` the app may read, with one batch call for one user: each
   * permission's fields asked alone, past the cache and what degradation remembers.
   */
  probeAccess(user: UserRef, fields: readonly GraphField[]): Promise<ProbeResult>;
  close(): Promise<void>;
}

