/** Shapes of what the Graph API sends back, as far as the gateway reads them. */

export interface GraphAdReferral {
  readonly source?: string | undefined;
  readonly type?: string | undefined;
  readonly ad_id?: string | undefined;
}

/** A User node as the User Profile endpoint returns it: only the requested fields, usually plus id. */
export interface GraphProfile {
  readonly id?: string;
  readonly name?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly profile_pic?: string;
  readonly locale?: string;
  readonly timezone?: number;
  readonly gender?: string;
  readonly is_payment_enabled?: boolean;
  readonly last_ad_referral?: GraphAdReferral;
  // Instagram (IGSID) fields; `name` and `profile_pic` may be null there when not set.
  readonly username?: string;
  readonly follower_count?: number;
  readonly is_verified_user?: boolean;
  readonly is_user_follow_business?: boolean;
  readonly is_business_follow_user?: boolean;
}

/** The `error` member of a Graph API error envelope. */
export interface GraphErrorBody {
  readonly message?: string | undefined;
  readonly type?: string | undefined;
  readonly code?: number | undefined;
  readonly error_subcode?: number | undefined;
  readonly fbtrace_id?: string | undefined;
  readonly is_transient?: boolean | undefined;
}

/** One element of a batch answer: null when the sub-request did not finish in time. */
export type BatchEntry = { readonly code: number; readonly body: string } | null;
