import type { ProfileCache } from '../cache/profile-cache.js';
import type { GraphField } from '../core/fields.js';
import type { Psid, UserRef } from '../core/ids.js';
import type { Lookup, LookupCall } from '../core/lookup.js';
import type { Breaker } from './breaker.js';
import type { Capabilities, ProbeResult } from './capabilities.js';
import type { Throttle } from './throttle.js';
import type { TokenHealth } from './token.js';

/** A Page's own access to the Graph API: its token, its chain, and the state its layers keep. */
export interface Page {
  readonly id: string | undefined;
  /** The Page's non-secret identity in shared stores (cache/keys.ts's pageKey): its id, or a hash of its token. */
  readonly key: string;
  /** Current app secret (it may rotate): webhook signatures are checked with it. */
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
  /** What the gateway knows of the Page's token: lookups fail fast while it is refused. */
  readonly token: TokenHealth;
  /**
   * Takes a new token and app secret (hot rotation) for lookups that start from now on; the
   * Page's cache, throttle, breaker and budgets stay, keyed by its id.
   */
  rotate(token: string, appSecret: string | undefined): void;
  /** Asks debug_token about the token (with APP_ID and APP_SECRET; otherwise does nothing). */
  checkToken(): Promise<void>;
  /**
   * Learns now which of `fields` the app may read, with one batch call for one user: each
   * permission's fields asked alone, past the cache and what degradation remembers. Runs with the
   * operation's `call`: its caller's shedding and budget, its accounting and trace.
   */
  probeAccess(user: UserRef, fields: readonly GraphField[], call: LookupCall): Promise<ProbeResult>;
  /**
   * `refreshUser`: one lookup from the caller's budget (RATE_LIMITED past it, and nothing changes),
   * then the user's cached values stop counting as fresh.
   */
  refresh(psid: Psid, call: LookupCall): Promise<void>;
  close(): Promise<void>;
}

