import { GatewayError } from '../core/errors.js';
import { MAX_BATCH_SIZE } from '../graph-api/client.js';
import type { GraphField } from '../core/fields.js';
import { userKey, type Platform, type UserRef } from '../core/ids.js';
import type { Caller, Lookup } from '../core/lookup.js';
import type { Logger } from '../observability/logger.js';

/** A Page as the prefetcher uses it: its id (for logs) and its chain. */
interface PrefetchTarget {
  readonly id: string | undefined;
  readonly lookup: Lookup;
}

export interface PrefetchOptions {
  /** Graph fields each prefetch asks for, per platform. */
  readonly fields: Readonly<Record<Platform, readonly GraphField[]>>;
  readonly logger: Logger;
  /** How long users gather before they are looked up together. */
  readonly windowMs: number;
}

/** Prefetches yield first when the Page's quota runs low: nobody is waiting for them. */
const PREFETCH_CALLER: Caller = { name: 'prefetch', priority: 'bulk' };

/**
 * Warms the profile cache of users who just wrote to a Page, before anyone asks for them: users
 * added within a short window share one lookup per Page (at most 50 users, one batch call). The
 * lookup goes through the Page's whole chain, so the cache asks the Graph API only for fields that
 * are not fresh (a user whose fields are all fresh costs nothing) and joins lookups under way.
 * Failures are only logged: a prefetch is an optimisation, and the next query asks again.
 */
export class Prefetcher<Page extends PrefetchTarget> {
  private readonly pending = new Map<Page, Map<string, UserRef>>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PrefetchOptions) {}

  /** Queues users of a Page and returns at once. */
  add(page: Page, users: Iterable<UserRef>): void {
    if (this.closed) return;
    let queued = this.pending.get(page);
    for (const user of users) {
      if (!queued) this.pending.set(page, (queued = new Map<string, UserRef>()));
      queued.set(userKey(user), user);
      if (queued.size >= MAX_BATCH_SIZE) {
        this.pending.delete(page);
        this.send(page, queued);
        queued = undefined;
      }
    }
    if (this.pending.size > 0) this.timer ??= setTimeout(() => this.flush(), this.options.windowMs).unref();
  }

  /** Stops taking users, drops those not yet sent, and waits for the lookups under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }

  private flush(): void {
    this.timer = undefined;
    for (const [page, users] of this.pending) this.send(page, users);
    this.pending.clear();
  }

  private send(page: Page, users: ReadonlyMap<string, UserRef>): void {
    const requests = [...users.values()].map((user) => ({ user, fields: this.options.fields[user.platform] }));
    const task = page
      .lookup(requests, { caller: PREFETCH_CALLER })
      .then(({ results }) => {
        const failed = results.filter((result) => result instanceof Error);
        if (failed.length === 0) return;
        const codes = [...new Set(failed.map((error) => (error instanceof GatewayError ? error.code : error.name)))];
        this.options.logger.debug({ pageId: page.id, users: requests.length, failed: failed.length, codes }, 'prefetch incomplete');
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, pageId: page.id }, 'prefetch failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }
}
