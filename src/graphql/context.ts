import type { RequestScope } from '../observability/request-scope.js';
import type { Page } from '../pages/page.js';
import type { Pages } from '../pages/pages.js';
import type { ProfileLoader } from '../profile/loader.js';
import type { ReferralStore } from '../referrals/store.js';
import type { StaleAnswers } from './plugins/stale-extension.js';

/** What every resolver of one GraphQL operation shares. */
export interface GatewayContext {
  readonly pages: Pages;
  /** The operation's loader for a Page (one per Page, made on first use). */
  profiles(page: Page): ProfileLoader;
  /** Graph API version the gateway calls, e.g. v25.0. */
  readonly graphApiVersion: string;
  /** Captured webhook referrals; undefined when capture is off. */
  readonly referrals: ReferralStore | undefined;
  /** Paths answered from stale cache entries, reported in `extensions.stale`. */
  readonly stale: StaleAnswers;
  /** The request's accounting: operation name, outcome, error codes, upstream calls. */
  readonly scope: RequestScope;
  /** The signed avatar URL of a user (kind `m`: a PSID); undefined without AVATAR_SIGNING_KEY. */
  readonly avatarUrl: ((subject: { readonly kind: 'm' | 'ig'; readonly pageId: string; readonly userId: string }) => string) | undefined;
}
