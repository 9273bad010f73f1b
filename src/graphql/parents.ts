import type { GatewayError } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';
import type { Igsid, Psid } from '../core/ids.js';
import type { Provenance } from '../core/lookup.js';
import type { GraphProfile } from '../core/profile.js';
import type { Page } from '../pages/page.js';

/** Parent value of MessengerUser resolvers. */
export interface UserParent {
  readonly psid: Psid;
  readonly page: Page;
}

/** What a profile lookup yielded for a user of either platform. */
export interface ProfileValues {
  readonly page: Page;
  readonly data: GraphProfile;
  /** Requested fields the gateway could not get, each with the error to report at its path. */
  readonly fieldErrors?: ReadonlyMap<GraphField, GatewayError> | undefined;
  /** Where the values came from; undefined when none was read. */
  readonly provenance?: Provenance | undefined;
}

/** Parent value of MessengerProfile resolvers: the Graph API's answer for the user. */
export interface ProfileParent extends ProfileValues {
  readonly psid: Psid;
}

/** Parent value of InstagramUser resolvers. */
export interface InstagramUserParent {
  readonly igsid: Igsid;
  readonly page: Page;
}

/** Parent value of InstagramProfile resolvers. */
export interface InstagramProfileParent extends ProfileValues {
  readonly igsid: Igsid;
}
