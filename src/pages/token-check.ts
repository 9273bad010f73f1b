import { GatewayError } from '../core/errors.js';
import { classifyGraphError } from '../graph-api/classify.js';
import type { GraphClient } from '../graph-api/client.js';
import type { Logger } from '../observability/logger.js';
import type { TokenFacts, TokenHealth } from './token.js';

/** A token expiring within this is warned about (once a day). */
const EXPIRY_WARNING_MS = 7 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Asks debug_token about the Page's token with the app access token and tells `health` what it
 * said. A failed call teaches nothing about the Page token (a refused app token is the app's
 * problem, logged at warn); the next check tries again.
 */
export async function checkToken(
  client: GraphClient,
  health: TokenHealth,
  credentials: { readonly token: string; readonly appId: string; readonly appSecret: string; readonly pageId: string | undefined },
  logger: Logger,
  now: () => number,
): Promise<void> {
  const generation = health.generation;
  const answer = await client.debugToken(credentials.token, credentials.appId, credentials.appSecret);
  if (generation !== health.generation) return;
  if (!answer.ok) {
    const code = answer.error instanceof GatewayError ? answer.error.code : 'INTERNAL_SERVER_ERROR';
    logger.warn({ page: credentials.pageId, code }, 'debug_token could not check the Page token (is APP_ID|APP_SECRET right?)');
    return;
  }
  const { valid, facts, subcode } = readDebugToken(answer.data);
  const refusal = valid ? undefined : classifyGraphError(400, { code: 190, error_subcode: subcode });
  health.checked(valid, facts, refusal instanceof GatewayError ? refusal : undefined);
  warnIfExpiring(health, credentials.pageId, now(), logger);
}

/** debug_token's `data` member, read as documented: times in Unix seconds, 0 for "never". */
function readDebugToken(data: unknown): { valid: boolean; facts: TokenFacts; subcode: number | undefined } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const time = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value * 1000 : undefined);
  const error = (typeof d.error === 'object' && d.error !== null ? d.error : {}) as Record<string, unknown>;
  return {
    valid: d.is_valid === true,
    facts: {
      expiresAt: time(d.expires_at),
      dataAccessExpiresAt: time(d.data_access_expires_at),
      scopes: Array.isArray(d.scopes) ? d.scopes.filter((s): s is string => typeof s === 'string') : [],
    },
    subcode: typeof error.subcode === 'number' ? error.subcode : undefined,
  };
}

/**
 * Warns (at most once a day per Page) about a token that expires, or whose data access expires,
 * within seven days: a dead token is an outage, and an expiry is the one kind seen coming.
 */
function warnIfExpiring(health: TokenHealth, pageId: string | undefined, now: number, logger: Logger): void {
  const facts = health.facts;
  const soonest = Math.min(facts?.expiresAt ?? Infinity, facts?.dataAccessExpiresAt ?? Infinity);
  if (soonest - now > EXPIRY_WARNING_MS) return;
  if (health.expiryWarnedAt !== undefined && now - health.expiryWarnedAt < DAY_MS) return;
  health.expiryWarnedAt = now;
  logger.warn(
    { page: pageId, expiresAt: iso(facts?.expiresAt), dataAccessExpiresAt: iso(facts?.dataAccessExpiresAt) },
    'The Page token (or its data access) expires within 7 days: replace it before it stops every lookup',
  );
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

