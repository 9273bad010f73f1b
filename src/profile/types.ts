import type { GraphProfile } from '../upstream/types.js';

/** Parent value of MessengerUser resolvers. */
export interface UserParent {
  readonly psid: string;
}

/** Parent value of MessengerProfile resolvers: the Graph API's answer for the user. */
export interface ProfileParent {
  readonly psid: string;
  readonly data: GraphProfile;
}
