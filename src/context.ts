import type { StaleAnswers } from './cache/stale.js';
import type { ProfileLoader } from './profile/loader.js';

/** What every resolver of one GraphQL operation shares. */
export interface GatewayContext {
  readonly profiles: ProfileLoader;
  /** Graph API version the gateway calls, e.g. v25.0. */
  readonly graphApiVersion: string;
  /** Paths answered from stale cache entries, reported in `extensions.stale`. */
  readonly stale: StaleAnswers;
  /** Makes one user's cached profile no longer fresh, so the next read asks the Graph API. */
  readonly refreshProfile: (psid: string) => Promise<void>;
}
