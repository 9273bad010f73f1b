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
  /** Prefetch batches in flight per Page at most (PREFETCH_CONCURRENCY). @default 1 */
  readonly concurrency?: number | undefined;
  /** Users waiting per Page at most (PREFETCH_MAX_QUEUED); past it the oldest are dropped. @default 1000 */
  readonly maxQueued?: number | undefined;
  /** Prefetch lookups per minute per Page (PREFETCH_LOOKUPS_PER_MINUTE), counted like a caller's budget. */
  readonly lookupsPerMinute?: number | undefined;
  /** Told how many waiting users a full queue dropped. */
  readonly onDropped?: ((count: number) => void) | undefined;
}

/** One Page's users waiting for a prefetch, oldest first (by userKey), and its batches under way. */
interface PageQueue {
  readonly waiting: Map<string, UserRef>;
  inFlight: number;
}

/**
 * Warms the profile cache of users who just wrote to a Page, before anyone asks for them: users
 * added within a short window share one lookup per Page (at most 50 users, one batch call). The
 * lookup goes through the Page's whole chain as a bulk caller with a budget of its own, so the
 * cache asks the Graph API only for fields that are not fresh, the Page's quota goes to
 * interactive callers first, and a webhook flood costs at most its budget. A polite guest: at
 * most `concurrency` batches per Page at a time, and a bounded queue that drops its oldest users
 * (a user who wrote long ago is the least likely to be looked up next). Failures are only
 * logged: a prefetch is an optimisation, and the next query asks again.
 */
export class Prefetcher<Page extends PrefetchTarget> {
  private readonly queues = new Map<Page, PageQueue>();
  private readonly running = new Set<Promise<void>>();
  private readonly caller: Caller;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PrefetchOptions) {
    this.caller = { name: 'prefetch', priority: 'bulk', lookupsPerMinute: options.lookupsPerMinute };
    this.concurrency = options.concurrency ?? 1;
    this.maxQueued = options.maxQueued ?? 1000;
  }

  /** Queues users of a Page and returns at once. */
  add(page: Page, users: Iterable<UserRef>): void {
    if (this.closed) return;
    let queue = this.queues.get(page);
    if (!queue) this.queues.set(page, (queue = { waiting: new Map(), inFlight: 0 }));
    let dropped = 0;
    for (const user of users) {
      queue.waiting.set(userKey(user), user);
      if (queue.waiting.size > this.maxQueued) {
        queue.waiting.delete(queue.waiting.keys().next().value!);
        dropped++;
      }
    }
    if (dropped > 0) this.options.onDropped?.(dropped);
    // A full batch goes at once (if a slot is free); the rest wait for the window.
    if (queue.waiting.size >= MAX_BATCH_SIZE) this.pump(page, queue, true);
    if (queue.waiting.size > 0) this.timer ??= setTimeout(() => this.flush(), this.options.windowMs).unref();
  }

  /** Stops taking users, drops those not yet sent, and waits for the lookups under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.queues.clear();
    await Promise.allSettled([...this.running]);
  }

  private flush(): void {
    this.timer = undefined;
    for (const [page, queue] of this.queues) this.pump(page, queue, false);
  }

  /** Sends waiting users while a slot is free: full batches only, unless the window has passed. */
  private pump(page: Page, queue: PageQueue, fullOnly: boolean): void {
    while (queue.inFlight < this.concurrency && queue.waiting.size >= (fullOnly ? MAX_BATCH_SIZE : 1)) {
      const batch: UserRef[] = [];
      for (const [key, user] of queue.waiting) {
        batch.push(user);
        queue.waiting.delete(key);
        if (batch.length === MAX_BATCH_SIZE) break;
      }
      this.send(page, queue, batch);
    }
    if (queue.waiting.size === 0 && queue.inFlight === 0) this.queues.delete(page);
  }

  private send(page: Page, queue: PageQueue, users: readonly UserRef[]): void {
    const requests = users.map((user) => ({ user, fields: this.options.fields[user.platform] }));
    queue.inFlight++;
    const task = page
      .lookup(requests, { caller: this.caller })
      .then(({ results }) => {
        const failed = results.filter((result) => result instanceof Error);
        if (failed.length === 0) return;
        const codes = [...new Set(failed.map((error) => (error instanceof GatewayError ? error.code : error.name)))];
        this.options.logger.debug({ pageId: page.id, users: requests.length, failed: failed.length, codes }, 'prefetch incomplete');
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, pageId: page.id }, 'prefetch failed'))
      .finally(() => {
        this.running.delete(task);
        queue.inFlight--;
        // The slot is free: users still waiting go now, not after another window.
        if (!this.closed) this.pump(page, queue, false);
      });
    this.running.add(task);
  }
}
