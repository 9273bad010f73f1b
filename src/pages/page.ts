import type { ProfileCache } from '../cache/profile-cache.js';
import type { GraphField } from '../core/fields.js';
import type { Psid } from '../core/ids.js';
import type { Lookup } from '../core/lookup.js';
import type { Breaker } from './breaker.js';
import type { Capabilities, ProbeResult } from './capabilities.js';
import type { Throttle } from './throttle.js';

/** A Page's own access to the Graph API: its token, its chain, and the state its layers keep. */
export interface Page {
  readonly id: string | undefined;
  /** The Page's non-secret identity in shared stores (cache/keys.ts's pageKey): its id, or a hash of its token. */
  readonly key: string;
  readonly appSecret: string | undefined;
  /** The Page's lookups with every layer applied: what the per-operation loaders call. */
  readonly lookup: Lookup;
  /** Undefined when the cache is off (PROFILE_CACHE_TTL=0). */
  readonly cache: ProfileCache | undefined;
  readonly throttle: Throttle;
  readonly breaker: Breaker;
  readonly capabilities: Capabilities;
  /**
   * Learns now which of `fields` the app may read, with one batch call for one user: each
   * permission's fields asked alone, past the cache and what degradation remembers.
   */
  probeAccess(psid: Psid, fields: readonly GraphField[]): Promise<ProbeResult>;
  close(): Promise<void>;
}

