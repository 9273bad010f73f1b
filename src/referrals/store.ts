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

/** How far past the gateway's clock an event time may lie (clocks differ), in milliseconds. */
const MAX_AHEAD_MS = 24 * 3600 * 1000;

/**
 * Whether `value` can be an event time: whole milliseconds since the epoch, not negative, and not
 * more than a day past `now`. Anything else could never be outdated by a real event (1e308,
 * Infinity) or compared at all (null, a string), so it would pin or wedge what is stored.
 */
export function isEventTime(value: unknown, now: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= latestEventTime(now);
}

/** The latest event time accepted at `now`. */
export function latestEventTime(now: number): number {
  return now + MAX_AHEAD_MS;
}

/** A referral read back from a store, or undefined for anything that is not one (treated as none). */
export function parseReferral(value: unknown, now: number): Referral | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.pageId !== 'string' || typeof r.psid !== 'string' || typeof r.source !== 'string') return undefined;
  if (!isEventTime(r.timestamp, now)) return undefined;
  const optional = (field: unknown) => (typeof field === 'string' ? field : undefined);
  return { pageId: r.pageId, psid: r.psid, source: r.source, type: optional(r.type), adId: optional(r.adId), ref: optional(r.ref), timestamp: r.timestamp };
}
