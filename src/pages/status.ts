import { ErrorCode } from '../core/errors.js';
import type { BreakerState } from './breaker.js';
import type { FieldAccess } from './capabilities.js';
import type { Capabilities } from './capabilities.js';
import {
  currentGraphFields,
  existsInVersion,
  INSTAGRAM_FIELDS,
  permissionFor,
  PROFILE_FIELDS,
  type GraphField,
  type InstagramField,
  type ProfileField,
} from '../core/fields.js';
import { instagramUser, messengerUser, type Igsid, type Psid, type UserRef } from '../core/ids.js';
import type { LookupCall } from '../core/lookup.js';
import type { Page } from './page.js';
import type { TokenHealth, TokenState } from './token.js';

/** A Page token's health as reported (GraphQL `TokenStatus`); times are ISO 8601. */
export interface TokenReport {
  readonly state: TokenState;
  readonly reason: string | undefined;
  readonly expiresAt: string | undefined;
  readonly dataAccessExpiresAt: string | undefined;
  readonly scopes: readonly string[] | undefined;
  readonly checkedAt: string | undefined;
}

type FieldStatus = 'available' | 'permission-required' | 'unavailable-on-version' | 'unknown';

/** Whether the gateway can read one profile field of the Page's users. */
export interface FieldReport {
  readonly field: ProfileField | InstagramField;
  readonly graphField: GraphField;
  /** What reading it from the Graph API takes; undefined when the gateway does not read it there. */
  readonly permission: string | undefined;
  readonly status: FieldStatus;
}

/** The deciding usage figures of the Page's latest Graph API answer, in percent. */
export interface UsageReport {
  readonly callCount: number;
  readonly totalTime: number;
  readonly totalCputime: number;
  /** The same figures as JSON written by the gateway (never the upstream header's text). */
  readonly header: string;
}

/** What the gateway knows of one Page's access to the Graph API (GraphQL `PageStatus`). */
export interface PageStatusReport {
  readonly pageId: string | undefined;
  readonly graphApiVersion: string;
  readonly fields: readonly FieldReport[];
  readonly instagramAccountId: string | undefined;
  /** The InstagramProfile fields; empty without an Instagram account. */
  readonly instagramFields: readonly FieldReport[];
  readonly usage: UsageReport | undefined;
  readonly throttledForSeconds: number;
  readonly breaker: BreakerState;
  readonly token: TokenReport;
}

export interface PageStatusOptions {
  readonly graphApiVersion: string;
  /** Webhook capture is on: captured referrals answer lastAdReferral where the version lacks it. */
  readonly referralCapture: boolean;
  /** A user to learn field access with now, in one batch call. */
  readonly probePsid?: Psid | undefined;
  /** The operation's call (caller, accounting, trace) the probe runs with. */
  readonly call: LookupCall;
  /** An Instagram user to learn the Instagram fields' access with now (the Page must have an Instagram account). */
  readonly probeIgsid?: Igsid | undefined;
}

/**
 * The Page's status from what its chain has learnt: field access from the capability memory
 * (removed fields from the version), usage from the throttle, the breaker's state. Makes a Graph
 * API call only to probe; a probe that learnt nothing fails with its reason.
 */
export async function pageStatus(page: Page, options: PageStatusOptions): Promise<PageStatusReport> {
  const { graphApiVersion, referralCapture, probePsid, probeIgsid, call } = options;
  const catalog = Object.keys(PROFILE_FIELDS) as ProfileField[];
  const [learnt, learntInstagram] = await Promise.all([
    probe(page, probePsid && messengerUser(probePsid), graphApiVersion, call),
    probe(page, probeIgsid && instagramUser(probeIgsid), graphApiVersion, call),
  ]);

  const fields = catalog.map((field): FieldReport => {
    const graphField = PROFILE_FIELDS[field].graph;
    if (!existsInVersion(field, graphApiVersion)) {
      const fromWebhooks = field === 'lastAdReferral' && referralCapture && page.id !== undefined;
      return { field, graphField, permission: undefined, status: fromWebhooks ? 'available' : 'unavailable-on-version' };
    }
    const access = learnt.get(graphField) ?? page.capabilities.access(graphField);
    return { field, graphField, permission: permissionFor(graphField), status: statusOf(access) };
  });
  const instagramFields =
    page.instagramAccountId === undefined ? [] : instagramReports(page.instagramCapabilities, learntInstagram, graphApiVersion);

  const usage = page.throttle.latest?.deciding;
  return {
    pageId: page.id,
    graphApiVersion,
    fields,
    instagramAccountId: page.instagramAccountId,
    instagramFields,
    usage: usage && {
      callCount: usage.figures.call_count,
      totalTime: usage.figures.total_time,
      totalCputime: usage.figures.total_cputime,
      header: JSON.stringify({ call_count: usage.figures.call_count, total_time: usage.figures.total_time, total_cputime: usage.figures.total_cputime }),
    },
    throttledForSeconds: page.throttle.retryAfterSeconds() ?? 0,
    breaker: page.breaker.state,
    token: tokenReport(page.token),
  };
}

function tokenReport(health: TokenHealth): TokenReport {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    state: health.state,
    reason: health.reason,
    expiresAt: iso(health.facts?.expiresAt),
    dataAccessExpiresAt: iso(health.facts?.dataAccessExpiresAt),
    scopes: health.facts?.scopes,
    checkedAt: iso(health.checkedAt),
  };
}

/** What a probe of the user learnt now; nothing without a user. */
async function probe(page: Page, user: UserRef | undefined, version: string, call: LookupCall): Promise<ReadonlyMap<GraphField, FieldAccess>> {
  if (user === undefined) return new Map();
  const result = await page.probeAccess(user, currentGraphFields(user.platform, version), call);
  if (result.failure) throw result.failure;
  return result.learnt;
}

function instagramReports(capabilities: Capabilities, learnt: ReadonlyMap<GraphField, FieldAccess>, version: string): FieldReport[] {
  return (Object.keys(INSTAGRAM_FIELDS) as InstagramField[]).map((field): FieldReport => {
    const graphField = INSTAGRAM_FIELDS[field].graph;
    if (!existsInVersion(field, version, 'instagram')) return { field, graphField, permission: undefined, status: 'unavailable-on-version' };
    const access = learnt.get(graphField) ?? capabilities.access(graphField);
    return { field, graphField, permission: permissionFor(graphField, 'instagram'), status: statusOf(access) };
  });
}

function statusOf(access: FieldAccess | undefined): FieldStatus {
  if (access === undefined) return 'unknown';
  if (access === 'available') return 'available';
  if (access.code === ErrorCode.PERMISSION_REQUIRED) return 'permission-required';
  return access.code === ErrorCode.FIELD_UNAVAILABLE ? 'unavailable-on-version' : 'unknown';
}
