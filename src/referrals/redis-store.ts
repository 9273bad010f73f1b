import { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import { isEventTime, isNewer, latestEventTime, parseReferral, referralKey, type Referral, type ReferralStore } from './store.js';

const PREFIX = 'mpg:referral:';

// Private: set the value only when its timestamp is newer than the stored one, atomically, so
// instances receiving late or repeated deliveries at the same time cannot go back in time. A
// stored value without a usable timestamp (not JSON, none, not a number, or later than ARGV[3],
// the latest plausible event time) is replaced: no stored value can wedge or pin a key.
const RECORD_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  local t = ok and type(stored) == 'table' and stored.timestamp
  if type(t) == 'number' and t <= tonumber(ARGV[3]) and t >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

type ReferralRedis = Redis & { recordIfNewer(key: string, value: string, timestamp: number, latest: number): Promise<number> };

export interface RedisReferralOptions {
  /** Longest wait for one command: the deadline of the operation or delivery waiting for it. */
  readonly timeoutMs: number;
  /** Bounds plausible event times. */
  readonly clock: Clock;
}

/**
 * Referrals in Redis, shared by every instance. Unlike the profile cache, a failure here is not
 * hidden: a webhook delivery that cannot be stored is answered 500, so Meta delivers it again.
 * No token or secret is stored: keys are Page id, PSID and source; values the referral.
 */
export class RedisReferralStore implements ReferralStore {
  private constructor(
    private readonly client: ReferralRedis,
    private readonly clock: Clock,
  ) {}

  static open(url: string, { timeoutMs, clock }: RedisReferralOptions): RedisReferralStore {
    const client = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      commandTimeout: timeoutMs,
    }) as ReferralRedis;
    // Reported per operation (webhook 500, field error); reconnects are ioredis' business.
    client.on('error', () => {});
    client.defineCommand('recordIfNewer', { numberOfKeys: 1, lua: RECORD_IF_NEWER });
    return new RedisReferralStore(client, clock);
  }

  async record(referrals: readonly Referral[]): Promise<void> {
    // Within one delivery, only each key's newest referral needs a round trip.
    const now = this.clock();
    const newest = new Map<string, Referral>();
    for (const r of referrals) {
      if (!isEventTime(r.timestamp, now)) continue;
      const key = referralKey(r.pageId, r.psid, r.source);
      if (isNewer(r, newest.get(key))) newest.set(key, r);
    }
    await Promise.all(
      [...newest].map(([key, r]) => this.client.recordIfNewer(PREFIX + key, JSON.stringify(r), r.timestamp, latestEventTime(now))),
    );
  }

  async latest(pageId: string, psid: string, source: string): Promise<Referral | undefined> {
    const value = await this.client.get(PREFIX + referralKey(pageId, psid, source));
    if (value === null) return undefined;
    try {
      return parseReferral(JSON.parse(value), this.clock());
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
