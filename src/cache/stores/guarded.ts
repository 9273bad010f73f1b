import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '../../observability/logger.js';
import { OutageLog } from '../../observability/outage.js';

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
  private readonly outage: OutageLog;

  constructor(
    private readonly store: KeyValueCache<string>,
    private readonly options: GuardedStoreOptions,
  ) {
    this.outage = new OutageLog(options.logger, { store: options.name }, {
      down: 'Profile cache store unavailable; answering from the Graph API until it recovers',
      up: 'Profile cache store answers again; using it',
    });
  }

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
      this.outage.succeeded();
      return value;
    } catch (error) {
      this.outage.failed(error);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }
}
