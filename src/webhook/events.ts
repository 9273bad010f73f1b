import { isNumericId } from '../graph-api/ids.js';
import { isEventTime, type Referral } from '../referrals/store.js';

interface RawReferral {
  source?: unknown;
  type?: unknown;
  ad_id?: unknown;
  ref?: unknown;
}

interface RawMessaging {
  sender?: { id?: unknown };
  timestamp?: unknown;
  referral?: RawReferral;
  postback?: { referral?: RawReferral };
  message?: { referral?: RawReferral };
}

/** Thrown for a body that is JSON but not a Page webhook delivery. */
export class MalformedDelivery extends Error {}

/** One entry of a delivery: its Page, its referrals, and how many referral events were skipped. */
export interface DeliveredEntry {
  readonly pageId: string;
  readonly referrals: Referral[];
  /** Referral events whose `timestamp` is not a plausible event time (see isEventTime). */
  readonly skipped: number;
}

/**
 * The referrals in a Page webhook delivery: `messaging_referrals` events (`referral`), and
 * referrals inside postbacks and messages. Events without a sender or a referral are ignored;
 * those whose timestamp is not a plausible event time at `now` are skipped and counted.
 */
export function referralsOf(payload: unknown, now: number): DeliveredEntry[] {
  if (typeof payload !== 'object' || payload === null) throw new MalformedDelivery('not an object');
  const { object, entry } = payload as { object?: unknown; entry?: unknown };
  if (object !== 'page' || !Array.isArray(entry)) throw new MalformedDelivery('not a Page delivery');
  return entry.map((raw: unknown) => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; messaging?: unknown };
    const pageId = idOf(e.id);
    if (!pageId) throw new MalformedDelivery('entry without id');
    const referrals: Referral[] = [];
    let skipped = 0;
    for (const event of Array.isArray(e.messaging) ? (e.messaging as RawMessaging[]) : []) {
      const psid = idOf(event?.sender?.id);
      const referral = event?.referral ?? event?.postback?.referral ?? event?.message?.referral;
      if (!psid || !referral || typeof referral.source !== 'string') continue;
      const timestamp = event.timestamp;
      if (!isEventTime(timestamp, now)) {
        skipped += 1;
        continue;
      }
      referrals.push({
        pageId,
        psid,
        source: referral.source,
        type: text(referral.type),
        adId: idOf(referral.ad_id),
        ref: text(referral.ref),
        timestamp,
      });
    }
    return { pageId, referrals, skipped };
  });
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && isNumericId(value) ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
