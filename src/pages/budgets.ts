import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { budgetKeyPrefix } from '../cache/keys.js';
import type { Clock } from '../core/clock.js';
import type { Caller } from '../core/lookup.js';
import type { OutageLog } from '../observability/outage.js';

/** How long budgets are counted locally after Redis failed, before one lookup tries it again. */
const LOCAL_AFTER_FAILURE_MS = 1000;

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
  /** Counted in this instance: without Redis, or while it is unavailable. */
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
  /** After a Redis failure, budgets are counted locally until then (ms, by the clock). */
  private localUntil = 0;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly outage: OutageLog,
    private readonly clock: Clock,
  ) {}

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
        shared: this.redis && new RateLimiterRedis({ ...options, storeClient: this.redis, rejectIfRedisNotReady: true }),
        local: new RateLimiterMemory(options),
      };
      this.byCaller.set(caller, limiters);
    }
    return limiters;
  }

  // Private: the fallback to the local count is written here rather than left to the library's
  // insuranceLimiter, which swallows the Redis error: the outage must be logged (once), and its end.
  // A frozen Redis would cost every budgeted lookup a REDIS_TIMEOUT_MS: after a failure the count
  // stays local for LOCAL_AFTER_FAILURE_MS, then one lookup tries Redis again.
  private async consume(limiters: Limiters, key: string, count: number): Promise<RateLimiterRes> {
    if (limiters.shared && this.clock() >= this.localUntil) {
      try {
        const res = await outcome(limiters.shared.consume(key, count));
        this.outage.succeeded();
        return res;
      } catch (error) {
        this.localUntil = this.clock() + LOCAL_AFTER_FAILURE_MS;
        this.outage.failed(error);
      }
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
