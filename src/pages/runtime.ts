import type { ProfileCache } from '../cache/profile-cache.js';
import type { GraphField } from '../core/fields.js';
import type { Psid } from '../core/ids.js';
import type { Lookup, LookupCall } from '../core/lookup.js';
import type { Breaker } from './breaker.js';
import type { Capabilities, ProbeResult } from './capabilities.js';
import type { Throttle } from './throttle.js';

/** A Page's own access to the Graph API: its token, its chain, and the state its layers keep. */
export interface PageRuntime {
  readonly id: string | undefined;
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
   * permission's fields asked alone, past the cache and what degradation remembers. Runs with the
   * operation's `call`: its caller's shedding and budget, its accounting and trace.
   */
  probeAccess(psid: Psid, fields: readonly GraphField[], call: LookupCall): Promise<ProbeResult>;
  /**
   * `refreshUser`: one lookup from the caller's budget (RATE_LIMITED past it, and nothing changes),
   * then the user's cached values stop counting as fresh.
   */
  refresh(psid: Psid, call: LookupCall): Promise<void>;
  close(): Promise<void>;
}

