import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import type { Platform, UserRef } from '../core/ids.js';
import { readBody } from '../http/body.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ReferralStore } from '../referrals/store.js';
import { eventsOf, MalformedDelivery, type PageEvents } from './events.js';
import { matchingSecret } from './signature.js';

export const WEBHOOK_PATH = '/webhook';

/** Message ids remembered, so that a replayed delivery hands on no sender again (a few MB at most). */
const REMEMBERED_MESSAGES = 50_000;

export interface WebhookOptions {
  readonly verifyToken: string;
  /**
   * App secret of each Page, by Page id (or, for Instagram entries, by the id of the Instagram
   * account linked to it); deliveries must be signed with it.
   */
  readonly appSecretOf: (accountId: string, platform: Platform) => string | undefined;
  /** Every app secret that may sign a delivery. */
  readonly appSecrets: readonly string[];
  readonly store: ReferralStore;
  /** Told the users who wrote to each served Page or Instagram account; the delivery is answered once it is done. */
  readonly onSenders?: ((accountId: string, platform: Platform, users: readonly UserRef[]) => Promise<void>) | undefined;
  readonly maxBytes: number;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Bounds plausible event times. */
  readonly clock: Clock;
}

/**
 * The Messenger and Instagram webhook at /webhook: the subscription handshake (GET) and signed
 * deliveries (POST) of `object: "page"` and `object: "instagram"`.
 * A delivery is answered 200 only after its referrals are durably stored, so Meta retries what was
 * not, and after its senders are handed on (see onSenders). It authenticates by signature, not by
 * API key.
 */
export function webhookRoute(options: WebhookOptions): Route {
  const verifyToken = Buffer.from(options.verifyToken);
  const skippedEvents = options.metrics.counter({
    name: 'gateway_webhook_events_skipped_total',
    help: 'Webhook referral events skipped (the delivery still acknowledged), by reason: timestamp = not a plausible event time.',
    labelNames: ['reason'],
  });
  skippedEvents.inc({ reason: 'timestamp' }, 0);
  // Private: Meta redelivers what was not acknowledged, and a captured delivery can be replayed:
  // either way its senders were handed on once (in this instance), and cost nothing again.
  const seenMessages = new LRUCache<string, true>({ max: REMEMBERED_MESSAGES });
  const seenBefore = (mid: string) => {
    if (seenMessages.has(mid)) return true;
    seenMessages.set(mid, true);
    return false;
  };
  const serve = async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    if (req.method === 'GET') {
      const params = new URLSearchParams(search);
      const token = Buffer.from(params.get('hub.verify_token') ?? '');
      const ok =
        params.get('hub.mode') === 'subscribe' && token.length === verifyToken.length && timingSafeEqual(token, verifyToken);
      return reply(res, ok ? 200 : 403, ok ? (params.get('hub.challenge') ?? '') : 'Forbidden');
    }
    if (req.method !== 'POST') return reply(res, 405, 'Method not allowed');

    const body = await readBody(req, options.maxBytes);
    const header = req.headers['x-hub-signature-256'];
    if (typeof header !== 'string') return reply(res, 401, 'Missing X-Hub-Signature-256');
    const secret = matchingSecret(body, header, options.appSecrets);
    if (!secret) return reply(res, 403, 'Bad signature');

    let entries: PageEvents[];
    try {
      entries = eventsOf(JSON.parse(body.toString('utf8')), options.clock(), seenBefore);
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof MalformedDelivery) return reply(res, 400, 'Malformed delivery');
      throw error;
    }
    // An entry is taken only for a Page whose own app secret signed the delivery.
    const accepted = entries.filter(({ accountId, platform, skipped }) => {
      if (options.appSecretOf(accountId, platform) === secret) {
        if (skipped > 0) {
          skippedEvents.inc({ reason: 'timestamp' }, skipped);
          options.logger.warn({ accountId, platform, skipped }, 'webhook referral events without a plausible timestamp; skipped');
        }
        return true;
      }
      options.logger.warn({ accountId, platform }, 'webhook entry for a Page (or Instagram account) not configured for this app; ignored');
      return false;
    });
    await options.store.record(accepted.flatMap((entry) => entry.referrals));
    const { onSenders } = options;
    if (onSenders) {
      await Promise.all(accepted.filter((entry) => entry.senders.length > 0).map(({ accountId, platform, senders }) => onSenders(accountId, platform, senders)));
    }
    reply(res, 200, 'EVENT_RECEIVED');
  };
  return async (req, res, path, search) => {
    if (path !== WEBHOOK_PATH) return false;
    await serve(req, res, search);
    return true;
  };
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
