import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Throttle } from './throttle.js';
import type { OutageLog } from '../observability/outage.js';

/** How often, at most, an instance reads what the others learnt (by the injected clock). */
const READ_EVERY_MS = 1000;

// Private: keeps the later of the stored and the given time, atomically, so a short back-off
// learnt by one instance never cuts short a long one learnt by another. The key expires with the
// block (a margin added); the value, a time on the gateway's clock, is what every instance compares.
const BLOCK_UNTIL = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/**
 * A Page's throttle, shared by every instance through one Redis key: when any instance learns that
 * the Graph API throttles the Page (a rate-limit code, usage at 100 %, a regain time), it writes
 * until when; the others read the key at most once a second, before a lookup that would call the
 * Graph API, and stop calling too. Without Redis (down, slow) each instance keeps its own state;
 * the outage is logged once, never shown to a client.
 */
export class SharedThrottle {
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;
  /** The latest block this instance wrote or read: not written again. */
  private shared = 0;

  constructor(
    private readonly redis: Redis,
    /** throttleKey(pageKey): keyed by the Page, never by its token. */
    private readonly key: string,
    private readonly throttle: Throttle,
    private readonly now: Clock,
    private readonly outage: OutageLog,
  ) {}

  /** Starts a read when the last one is a second old; lookups meanwhile wait for the read under way. */
  refresh(): Promise<void> | undefined {
    const at = this.now();
    if (at - this.readAt < READ_EVERY_MS) return this.reading;
    this.readAt = at;
    this.reading = this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const until = Number((await this.redis.get(this.key)) ?? 0);
      this.outage.succeeded();
      if (!(until > this.shared)) return;
      this.shared = until;
      this.throttle.blockUntil(until);
    } catch (error) {
      this.outage.failed(error);
    }
  }

  /** Writes what this instance's throttle learnt, when it blocks longer than what was shared. */
  async publish(): Promise<void> {
    if (this.throttle.blockedUntil > this.shared) await this.write(this.throttle.blockedUntil);
  }

  private async write(until: number): Promise<void> {
    this.shared = until;
    try {
      await this.redis.eval(BLOCK_UNTIL, 1, this.key, String(until), String(Math.max(1, until - this.now()) + READ_EVERY_MS));
      this.outage.succeeded();
    } catch (error) {
      this.outage.failed(error);
    }
  }
}
