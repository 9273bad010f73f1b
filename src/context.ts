import type { ProfileLoader } from './profile/loader.js';
import type { ReferralStore } from './referrals/store.js';

/** What every resolver of one GraphQL operation shares. */
export interface GatewayContext {
  readonly profiles: ProfileLoader;
  /** Graph API version the gateway calls, e.g. v25.0. */
  readonly graphApiVersion: string;
  /** The Page the operation reads. */
  readonly pageId: string | undefined;
  /** Captured webhook referrals; undefined when capture is off. */
  readonly referrals: ReferralStore | undefined;
}
