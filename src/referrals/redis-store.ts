import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { RedisConnection } from '../redis/connection.js';
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

/**
 * Referrals in Redis, shared by every instance, over the process's one connection and through its
 * guard. Unlike the profile cache, a failure here is not hidden: while Redis fails, times out
 * (REDIS_TIMEOUT_MS) or is paused, a webhook delivery that cannot be stored is answered 500, so
 * Meta delivers it again, and a read is a field error.
 * No token or secret is stored: keys are Page id, PSID and source; values the referral.
 */
export class RedisReferralStore implements ReferralStore {
  private readonly client: ReferralRedis;

  constructor(
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    this.client = redis.client as ReferralRedis;
    this.client.defineCommand('recordIfNewer', { numberOfKeys: 1, lua: RECORD_IF_NEWER });
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
      [...newest].map(([key, r]) =>
        this.command(() => this.client.recordIfNewer(PREFIX + key, JSON.stringify(r), r.timestamp, latestEventTime(now))),
      ),
    );
  }

  async latest(pageId: string, psid: string, source: string): Promise<Referral | undefined> {
    const value = await this.command(() => this.client.get(PREFIX + referralKey(pageId, psid, source)));
    if (value === null) return undefined;
    try {
      return parseReferral(JSON.parse(value), this.clock());
    } catch {
      return undefined;
    }
  }

  /** The connection is the gateway's: it closes it. */
  async close(): Promise<void> {}

  private async command<T>(operation: () => Promise<T>): Promise<T> {
    const answer = await this.redis.guard.run(operation);
    if (answer.outcome === 'answered') return answer.value;
    throw answer.outcome === 'failed' ? answer.error : new Error('Redis is paused after consecutive failures');
  }
}
