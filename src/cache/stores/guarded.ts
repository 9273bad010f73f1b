import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../observability/logger.js';
import { OutageLog } from '../../observability/outage.js';
import type { EntryStore, Swap } from './entry-store.js';

/** Consecutive timeouts or errors after which the store is left alone for a while. */
const FAILURES_TO_PAUSE = 3;
/** The first pause; each failed probe doubles it, up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 16_000;

/**
 * `answering`: every operation goes to the store. `paused`: none does, each reads as a miss (or a
 * write not made). `probing`: the pause is over and one operation is finding out.
 */
export type StoreState = 'answering' | 'paused' | 'probing';

export interface GuardedStoreOptions {
  /** Longest wait for one operation before it counts as failed. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Names the store in log lines and metrics, e.g. redis. */
  readonly name: string;
  /** When pauses end. */
  readonly clock: Clock;
  /** Told of each operation that failed, and of each one not sent because the store is paused. */
  readonly onFailure?: () => void;
  readonly onSkip?: () => void;
}

/**
 * A shared store the gateway can live without: every operation waits at most `timeoutMs`, and a
 * failure reads as a miss (or a write not made) instead of an error. After consecutive failures
 * the store is not asked at all for a pause that grows while it keeps failing (a breaker of its
 * own), so a dead or frozen store costs one timeout now and then rather than one per operation.
 * An outage is logged once when it starts and once when the store answers again.
 */
export class GuardedStore implements EntryStore {
  private failures = 0;
  private pausedUntil = 0;
  private pauseMs = FIRST_PAUSE_MS;
  private current: StoreState = 'answering';
  private readonly outage: OutageLog;

  constructor(
    private readonly store: EntryStore,
    private readonly options: GuardedStoreOptions,
  ) {
    this.outage = new OutageLog(options.logger, { store: options.name }, {
      down: 'Profile cache store unavailable; answering from the Graph API until it recovers',
      up: 'Profile cache store answers again; using it',
    });
  }

  get state(): StoreState {
    return this.current;
  }

  get(key: string): Promise<string | undefined> {
    return this.guard(() => this.store.get(key), undefined);
  }

  swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap> {
    return this.guard(() => this.store.swap(key, expected, next, ttlSeconds), { outcome: 'failed' });
  }

  private async guard<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    const probe = this.admit();
    if (probe === undefined) {
      this.options.onSkip?.();
      return fallback;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      const value = await Promise.race([operation(), timeout]);
      this.succeeded();
      return value;
    } catch (error) {
      this.failed(error, probe);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether an operation may go to the store now: undefined if not, else whether it is the probe. */
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
    this.options.onFailure?.();
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
