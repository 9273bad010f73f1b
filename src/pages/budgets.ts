import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { budgetKeyPrefix } from '../cache/keys.js';
import type { Caller } from '../core/lookup.js';
import type { RedisConnection } from '../redis/connection.js';

/** Where a caller's lookup went, as counted in `gateway_caller_lookups_total{result}`. */
export type CallerLookupResult = 'upstream' | 'cache' | 'over_budget' | 'shed';

/** Counts `count` lookups of a caller (undefined: a lookup without one) with their result. */
export type CountCallerLookups = (caller: Caller | undefined, result: CallerLookupResult, count: number) => void;

interface Granted {
  /** How many of the lookups asked for may go ahead: the first `granted` of them. */
  readonly granted: number;
  /** When the budget has room again, for those refused. */
  readonly retryAfterSeconds: number;
}

interface Limiters {
  readonly points: number;
  /** Counted in Redis, shared by every instance; undefined without REDIS_URL. */
  readonly shared: RateLimiterRedis | undefined;
  /** Counted in this instance: without Redis, or while it fails or is paused. */
  readonly local: RateLimiterMemory;
}

/**
 * Each caller's lookupsPerMinute, per Page (each Page has its own quota), counted by
 * rate-limiter-flexible: in Redis when REDIS_URL is set, so every instance draws on one budget;
 * in memory otherwise. The window is the library's fixed minute, on the system clock (the library
 * takes no clock; no test waits for a window to pass).
 */
export class CallerBudgets {
  private readonly byCaller = new Map<string, Limiters>();

  constructor(private readonly redis: RedisConnection | undefined) {}

  /** Takes up to `count` lookups from the budget of `caller` (of `perMinute`) on a Page (`page`: its pageKey). */
  async take(caller: string, perMinute: number, page: string, count: number): Promise<Granted> {
    const limiters = this.limitersOf(caller, perMinute);
    const res = await this.consume(limiters, page, count);
    // A consume past the budget still adds its points: those beyond it are the ones refused.
    const refused = Math.min(count, Math.max(0, res.consumedPoints - limiters.points));
    return { granted: count - refused, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }

  private limitersOf(caller: string, perMinute: number): Limiters {
    let limiters = this.byCaller.get(caller);
    if (!limiters) {
      const options = { points: perMinute, duration: 60, keyPrefix: budgetKeyPrefix(caller) };
      limiters = {
        points: perMinute,
        shared: this.redis && new RateLimiterRedis({ ...options, storeClient: this.redis.client, rejectIfRedisNotReady: true }),
        local: new RateLimiterMemory(options),
      };
      this.byCaller.set(caller, limiters);
    }
    return limiters;
  }

  // Private: the fallback to the local count is written here rather than left to the library's
  // insuranceLimiter, so that budgets follow the process's one Redis guard (its timeout, its pause
  // after failures, its outage log) like every other user of Redis.
  private async consume(limiters: Limiters, key: string, count: number): Promise<RateLimiterRes> {
    const { shared } = limiters;
    if (shared && this.redis) {
      const answer = await this.redis.guard.run(() => outcome(shared.consume(key, count)));
      if (answer.outcome === 'answered') return answer.value;
    }
    return outcome(limiters.local.consume(key, count));
  }
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit: an outcome, not a failure. */
function outcome(consumed: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  return consumed.catch((rejection: unknown) => {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  });
}
