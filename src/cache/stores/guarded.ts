import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '../../observability/logger.js';

export interface GuardedStoreOptions {
  /** Longest wait for one operation before it counts as failed. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Names the store in log lines, e.g. redis. */
  readonly name: string;
}

/**
 * A shared store the gateway can live without: every operation waits at most `timeoutMs`, and a
 * failure reads as a miss (or a write not made) instead of an error. An outage is logged once when
 * it starts and once when the store answers again, not once per request.
 */
export class GuardedStore implements KeyValueCache<string> {
  private available = true;

  constructor(
    private readonly store: KeyValueCache<string>,
    private readonly options: GuardedStoreOptions,
  ) {}

  get(key: string): Promise<string | undefined> {
    return this.guard(() => this.store.get(key), undefined);
  }

  set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    return this.guard(() => this.store.set(key, value, options), undefined);
  }

  delete(key: string): Promise<boolean | void> {
    return this.guard(() => this.store.delete(key), false);
  }

  private async guard<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      const value = await Promise.race([operation(), timeout]);
      this.markAvailable();
      return value;
    } catch (error) {
      this.markUnavailable(error);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  private markAvailable(): void {
    if (this.available) return;
    this.available = true;
    this.options.logger.info({ store: this.options.name }, 'Profile cache store answers again; using it');
  }

  private markUnavailable(error: unknown): void {
    if (!this.available) return;
    this.available = false;
    this.options.logger.warn(
      { store: this.options.name, reason: error instanceof Error ? error.message : String(error) },
      'Profile cache store unavailable; answering from the Graph API until it recovers',
    );
  }
}
