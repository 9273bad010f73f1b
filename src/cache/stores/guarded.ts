import type { RedisAnswer, RedisGuard } from '../../redis/guard.js';
import type { EntryStore, Swap } from './entry-store.js';

export interface GuardedStoreOptions {
  /** Told of each operation that failed, and of each one not sent because Redis is paused. */
  readonly onFailure?: () => void;
  readonly onSkip?: () => void;
}

/**
 * The profile cache's store behind the process's Redis guard (redis/guard.ts), which decides when
 * Redis is asked at all. All this store says is what the cache does without an answer: a read is a
 * miss, a write is not made, never an error.
 */
export class GuardedStore implements EntryStore {
  constructor(
    private readonly store: EntryStore,
    private readonly guard: RedisGuard,
    private readonly options: GuardedStoreOptions = {},
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.answer(await this.guard.run(() => this.store.get(key)), undefined);
  }

  async swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap> {
    return this.answer(await this.guard.run(() => this.store.swap(key, expected, next, ttlSeconds)), { outcome: 'failed' });
  }

  private answer<T>(answer: RedisAnswer<T>, fallback: T): T {
    if (answer.outcome === 'answered') return answer.value;
    if (answer.outcome === 'failed') this.options.onFailure?.();
    else this.options.onSkip?.();
    return fallback;
  }
}
