/** An ad referral as a Messenger webhook delivers it, with when it happened. */
export interface Referral {
  readonly pageId: string;
  readonly psid: string;
  readonly source: string;
  readonly type: string | undefined;
  readonly adId: string | undefined;
  readonly ref: string | undefined;
  /** Event time, milliseconds since the epoch, as in the webhook's `timestamp`. */
  readonly timestamp: number;
}

/**
 * Where captured referrals live. Keeps, per (page, PSID, source), the referral with the latest
 * timestamp, so late and repeated deliveries change nothing.
 */
export interface ReferralStore {
  /** Resolves once the referrals are durably stored. */
  record(referrals: readonly Referral[]): Promise<void>;
  /** The latest referral of a source (e.g. ADS) for a user of a Page. */
  latest(pageId: string, psid: string, source: string): Promise<Referral | undefined>;
  close(): Promise<void>;
}

/** Whether `candidate` should replace `current` as the latest. */
export function isNewer(candidate: Referral, current: Referral | undefined): boolean {
  return current === undefined || candidate.timestamp > current.timestamp;
}

export function referralKey(pageId: string, psid: string, source: string): string {
  return `${pageId}:${psid}:${source}`;
}
