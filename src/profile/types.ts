import type { GatewayError } from '../errors.js';
import type { PageRuntime } from '../pages.js';
import type { GraphProfile } from '../upstream/types.js';
import type { GraphField } from './fields.js';

/** Parent value of MessengerUser resolvers. */
export interface UserParent {
  readonly psid: string;
  readonly page: PageRuntime;
}

/** Parent value of MessengerProfile resolvers: the Graph API's answer for the user. */
export interface ProfileParent {
  readonly psid: string;
  readonly page: PageRuntime;
  readonly data: GraphProfile;
  /** Requested fields the gateway could not get, each with the error to report at its path. */
  readonly fieldErrors?: ReadonlyMap<GraphField, GatewayError> | undefined;
}
