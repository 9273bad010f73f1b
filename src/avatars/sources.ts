import { hasCode, ErrorCode, CallerRefusal } from '../core/errors.js';
import { messengerUser, parsePsid } from '../core/ids.js';
import type { Caller } from '../core/lookup.js';
import type { Page } from '../pages/page.js';
import type { AvatarKind } from './signing.js';

/** What the Graph API says, through the Page's chain, about a user's current picture. */
export type PictureRead =
  | { readonly kind: 'url'; readonly url: string; readonly fromCache: boolean }
  /** No profile (revoked, blocked, never authorized), no such user, or no picture: not to be shown. */
  | { readonly kind: 'gone' }
  /** The Graph API failed or the lookup was refused for quota: the last good bytes stand in. */
  | { readonly kind: 'failed'; readonly rateLimited: boolean; readonly retryAfterSeconds?: number | undefined };

/**
 * Reads one user's picture URL through the Page's chain as `caller`; `fresh` first makes the
 * profile cache's copy stale, so the Graph API is asked (the URL it held did not work).
 */
export type PictureSource = (page: Page, userId: string, caller: Caller, fresh: boolean) => Promise<PictureRead>;

/** Messenger: `profile_pic` of a PSID, the same Graph field `MessengerProfile.profilePic` reads. */
const messengerPicture: PictureSource = async (page, userId, caller, fresh) => {
  const psid = parsePsid(userId);
  if (!psid) return { kind: 'gone' };
  if (fresh) await page.cache?.refresh(messengerUser(psid));
  const [result] = (await page.lookup([{ user: messengerUser(psid), fields: ['profile_pic'] }], { caller })).results;
  if (result === undefined || result instanceof Error) {
    if (hasCode(result, ErrorCode.NOT_FOUND)) return { kind: 'gone' };
    const retryAfterSeconds = result instanceof CallerRefusal ? Number(result.extensions.retryAfterSeconds) : undefined;
    return { kind: 'failed', rateLimited: hasCode(result, ErrorCode.RATE_LIMITED), retryAfterSeconds };
  }
  if (result.kind === 'none') return { kind: 'gone' };
  if (result.fieldErrors?.has('profile_pic')) return { kind: 'failed', rateLimited: false };
  const url = result.data.profile_pic;
  if (typeof url !== 'string' || !url) return { kind: 'gone' };
  return { kind: 'url', url, fromCache: result.provenance?.source !== 'graph-api' };
};

/** The picture source of each kind of user; Instagram adds `ig` (its IGSID lookup) here. */
export const PICTURE_SOURCES: Readonly<Partial<Record<AvatarKind, PictureSource>>> = { m: messengerPicture };
