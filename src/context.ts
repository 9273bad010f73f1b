import type { ProfileLoader } from './profile/loader.js';

/** What every resolver of one GraphQL operation shares. */
export interface GatewayContext {
  readonly profiles: ProfileLoader;
  /** Graph API version the gateway calls, e.g. v25.0. */
  readonly graphApiVersion: string;
}
