import type { Caller, LookupCall } from '../core/lookup.js';
import type { RequestScope } from '../observability/request-scope.js';
import type { Page } from '../pages/page.js';
import type { Pages } from '../pages/pages.js';
import type { ProfileLoader } from '../profile/loader.js';
import type { ReferralStore } from '../referrals/store.js';
import type { StaleAnswers } from './plugins/stale-extension.js';

/** What every resolver of one GraphQL operation shares. */
export interface GatewayContext {
  readonly pages: Pages;
  /** Who asks (undefined: an open endpoint); decides which Pages it may read. */
  readonly caller: Caller | undefined;
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
  /** What every upstream call of the operation carries: its caller, accounting and trace. */
  readonly call: LookupCall;
  /** No API keys are configured: every request is anonymous, and may do what an operator may. */
  readonly open: boolean;
  /** The signed avatar URL of a user (kind `m`: a PSID); undefined without AVATAR_SIGNING_KEY. */
  readonly avatarUrl: ((subject: { readonly kind: 'm' | 'ig'; readonly pageId: string; readonly userId: string }) => string) | undefined;
}
