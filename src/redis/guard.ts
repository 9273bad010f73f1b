import type { Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { OutageLog } from '../observability/outage.js';

/** Consecutive timeouts or errors, by any user, after which Redis is left alone for a while. */
const FAILURES_TO_PAUSE = 3;
/** The first pause; each failed probe doubles it, up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 16_000;

/**
 * `answering`: every operation goes to Redis. `paused`: none does, each is skipped. `probing`: the
 * pause is over and one operation is finding out.
 */
export type RedisState = 'answering' | 'paused' | 'probing';

/** What became of one operation; each user decides what a failure or a skip means for it. */
export type RedisAnswer<T> =
  | { readonly outcome: 'answered'; readonly value: T }
  /** Sent, and it failed or did not answer within the timeout. */
  | { readonly outcome: 'failed'; readonly error: unknown }
  /** Not sent: Redis is paused after failures, or another operation is probing it. */
  | { readonly outcome: 'skipped' };

export interface RedisGuardOptions {
  /** Longest wait for one operation before it counts as failed (REDIS_TIMEOUT_MS). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** When pauses end. */
  readonly clock: Clock;
}

/**
 * The one rule every user of Redis follows (profile cache, caller budgets, shared throttle,
 * referrals): each operation waits at most `timeoutMs`; after consecutive failures Redis is not
 * asked at all for a pause that grows while it keeps failing, then one operation probes it. So a
 * dead or frozen Redis costs one timeout now and then rather than one per operation, whichever
 * feature asks. An outage is logged once when it starts and once when Redis answers again.
 */
export class RedisGuard {
  private failures = 0;
  private pausedUntil = 0;
  private pauseMs = FIRST_PAUSE_MS;
  private current: RedisState = 'answering';
  private readonly outage: OutageLog;

  constructor(private readonly options: RedisGuardOptions) {
    this.outage = new OutageLog(options.logger, { store: 'redis' }, {
      down: 'Redis unavailable; serving without it until it answers again',
      up: 'Redis answers again; using it',
    });
  }

  get state(): RedisState {
    return this.current;
  }

  /** Runs `operation` unless Redis is paused; never throws. */
  async run<T>(operation: () => Promise<T>): Promise<RedisAnswer<T>> {
    const probe = this.admit();
    if (probe === undefined) return { outcome: 'skipped' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      const value = await Promise.race([operation(), timeout]);
      this.succeeded();
      return { outcome: 'answered', value };
    } catch (error) {
      this.failed(error, probe);
      return { outcome: 'failed', error };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether an operation may go to Redis now: undefined if not, else whether it is the probe. */
  private admit(): boolean | undefined {
    if (this.current === 'answering') return false;
    if (this.current === 'probing' || this.options.clock() < this.pausedUntil) return undefined;
    this.current = 'probing';
    return true;
  }

  private succeeded(): void {
    this.failures = 0;
    this.pauseMs = FIRST_PAUSE_MS;
    this.current = 'answering';
    this.outage.succeeded();
  }

  private failed(error: unknown, probe: boolean): void {
    this.outage.failed(error);
    if (probe) {
      this.pauseMs = Math.min(this.pauseMs * 2, MAX_PAUSE_MS);
      this.pause();
    } else if (this.current === 'answering' && ++this.failures >= FAILURES_TO_PAUSE) {
      this.pause();
    }
  }

  private pause(): void {
    this.current = 'paused';
    this.pausedUntil = this.options.clock() + this.pauseMs;
  }
}
