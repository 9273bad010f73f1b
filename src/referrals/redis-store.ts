import { Redis } from 'ioredis';
import { isNewer, referralKey, type Referral, type ReferralStore } from './store.js';

const PREFIX = 'mpg:referral:';

// Private: set the value only when its timestamp is newer than the stored one, atomically, so
// instances receiving late or repeated deliveries at the same time cannot go back in time.
const RECORD_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).timestamp >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

type ReferralRedis = Redis & { recordIfNewer(key: string, value: string, timestamp: number): Promise<number> };

/**
 * Referrals in Redis, shared by every instance. Unlike the profile cache, a failure here is not
 * hidden: a webhook delivery that cannot be stored is answered 500, so Meta delivers it again.
 * No token or secret is stored: keys are Page id, PSID and source; values the referral.
 */
export class RedisReferralStore implements ReferralStore {
  private constructor(private readonly client: ReferralRedis) {}

  static open(url: string, commandTimeoutMs: number): RedisReferralStore {
    const client = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
    }) as ReferralRedis;
    // Reported per operation (webhook 500, field error); reconnects are ioredis' business.
    client.on('error', () => {});
    client.defineCommand('recordIfNewer', { numberOfKeys: 1, lua: RECORD_IF_NEWER });
    return new RedisReferralStore(client);
  }

  async record(referrals: readonly Referral[]): Promise<void> {
    // Within one delivery, only each key's newest referral needs a round trip.
    const newest = new Map<string, Referral>();
    for (const r of referrals) {
      const key = referralKey(r.pageId, r.psid, r.source);
      if (isNewer(r, newest.get(key))) newest.set(key, r);
    }
    await Promise.all(
      [...newest].map(([key, r]) => this.client.recordIfNewer(PREFIX + key, JSON.stringify(r), r.timestamp)),
    );
  }

  async latest(pageId: string, psid: string, source: string): Promise<Referral | undefined> {
    const value = await this.client.get(PREFIX + referralKey(pageId, psid, source));
    return value ? (JSON.parse(value) as Referral) : undefined;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
