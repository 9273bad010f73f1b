import type { GatewayError } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';
import type { Psid } from '../core/ids.js';
import type { Provenance } from '../core/lookup.js';
import type { GraphProfile } from '../core/profile.js';
import type { Page } from '../pages/page.js';

/** Parent value of MessengerUser resolvers. */
export interface UserParent {
  readonly psid: Psid;
  readonly page: Page;
}

/** Parent value of MessengerProfile resolvers: the Graph API's answer for the user. */
export interface ProfileParent {
  readonly psid: Psid;
  readonly page: Page;
  readonly data: GraphProfile;
  /** Requested fields the gateway could not get, each with the error to report at its path. */
  readonly fieldErrors?: ReadonlyMap<GraphField, GatewayError> | undefined;
  /** Where the values came from; undefined when none was read. */
  readonly provenance?: Provenance | undefined;
}
