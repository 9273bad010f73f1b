import { instagramUser, isNumericId, messengerUser, parseIgsid, parsePsid, type Platform, type UserRef } from '../core/ids.js';
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
  postback?: { referral?: RawReferral; mid?: unknown };
  message?: { referral?: RawReferral; is_echo?: unknown; mid?: unknown };
  optin?: unknown;
}

/** What one entry of a Page (or Instagram) webhook delivery says. */
export interface PageEvents {
  /** `object: "page"` deliveries name Pages; `object: "instagram"` ones Instagram professional accounts. */
  readonly platform: Platform;
  /** The entry's id: the Page's, or the Instagram account's. */
  readonly accountId: string;
  /** Referrals, keyed by the entry's id (an Instagram account's are apart from any Page's). */
  readonly referrals: Referral[];
  /** Users who wrote to the Page or account (message, postback, referral, opt-in), each once; none for a message seen before. */
  readonly senders: UserRef[];
  /** Referral events whose `timestamp` is not a plausible event time (see isEventTime). */
  readonly skipped: number;
}

/** Thrown for a body that is JSON but not a Page or Instagram webhook delivery. */
export class MalformedDelivery extends Error {}

/**
 * The events of a Page or Instagram webhook delivery (the same shape: Instagram's entries carry the
 * account id and IGSIDs as senders), per entry: the referrals (`messaging_referrals` events,
 * and referrals inside postbacks and messages) and the users behind every messaging event the user
 * made: a message (not the Page's own echo), a postback, a referral or an opt-in. Events without a
 * valid sender (a checkbox opt-in knows only a `user_ref`) are skipped; referrals whose timestamp
 * is not a plausible event time at `now` are skipped and counted. `seenBefore` is asked of each
 * message id (`mid`): a replayed or redelivered message names no sender again.
 */
export function eventsOf(payload: unknown, now: number, seenBefore: (mid: string) => boolean = () => false): PageEvents[] {
  if (typeof payload !== 'object' || payload === null) throw new MalformedDelivery('not an object');
  const { object, entry } = payload as { object?: unknown; entry?: unknown };
  if ((object !== 'page' && object !== 'instagram') || !Array.isArray(entry)) throw new MalformedDelivery('not a Page delivery');
  const platform: Platform = object === 'page' ? 'messenger' : 'instagram';
  return entry.map((raw: unknown) => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; messaging?: unknown; standby?: unknown };
    const pageId = idOf(e.id);
    if (!pageId) throw new MalformedDelivery('entry without id');
    const referrals: Referral[] = [];
    const senders = new Map<string, UserRef>();
    let skipped = 0;
    // A handover-protocol app that is not the thread's owner gets `standby` instead of `messaging`:
    // the same events, read for referrals and freshness alike (the gateway never replies to either).
    // pass_thread_control / take_thread_control events have no user content and are skipped below.
    const list = (value: unknown) => (Array.isArray(value) ? (value as (RawMessaging | null)[]) : []);
    const events = [...list(e.messaging), ...list(e.standby)];
    for (const event of events) {
      const id = idOf(event?.sender?.id);
      const user = id === undefined ? undefined : senderOf(platform, id);
      if (!event || !user) continue;
      const psid = user.id;
      if (byUser(event) && !isRepeat(event, seenBefore)) senders.set(psid, user);
      const referral = event.referral ?? event.postback?.referral ?? event.message?.referral;
      if (!referral || typeof referral.source !== 'string') continue;
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
    return { platform, accountId: pageId, referrals, senders: [...senders.values()], skipped };
  });
}

function senderOf(platform: Platform, id: string): UserRef | undefined {
  const psid = platform === 'messenger' ? parsePsid(id) : undefined;
  if (psid) return messengerUser(psid);
  const igsid = platform === 'instagram' ? parseIgsid(id) : undefined;
  return igsid && instagramUser(igsid);
}

/** A message the user sent, a button they tapped, an ad or link they came from, an opt-in. */
function byUser(event: RawMessaging): boolean {
  // An echo is the Page's own message: its sender is the Page.
  if (isObject(event.message)) return event.message.is_echo !== true;
  return isObject(event.postback) || isObject(event.referral) || isObject(event.optin);
}

function isRepeat(event: RawMessaging, seenBefore: (mid: string) => boolean): boolean {
  const mid = event.message?.mid ?? event.postback?.mid;
  return typeof mid === 'string' && seenBefore(mid);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && isNumericId(value) ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
