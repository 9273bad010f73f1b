import type { Clock } from '../core/clock.js';
import type { RedisConnection } from '../redis/connection.js';
import type { Throttle } from './throttle.js';

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
 * until when; the others read the key at most once a second and stop calling too. Both happen in
 * the background: a lookup never waits on Redis for this, what a read learns applies to the
 * lookups after it. Without Redis (down, slow, paused by the guard) each instance keeps its own
 * state; the guard logs the outage, no client ever sees it.
 */
export class SharedThrottle {
  private readAt = Number.NEGATIVE_INFINITY;
  /** The latest block this instance wrote or read: not written again. */
  private shared = 0;

  constructor(
    private readonly redis: RedisConnection,
    /** throttleKey(pageKey): keyed by the Page, never by its token. */
    private readonly key: string,
    private readonly throttle: Throttle,
    private readonly now: Clock,
  ) {}

  /** Starts a read in the background when the last one is a second old. */
  refresh(): void {
    const at = this.now();
    if (at - this.readAt < READ_EVERY_MS) return;
    this.readAt = at;
    // Never rejects: the guard turns every failure into an answer.
    void this.read();
  }

  private async read(): Promise<void> {
    const answer = await this.redis.guard.run(() => this.redis.client.get(this.key));
    if (answer.outcome !== 'answered') return;
    const until = Number(answer.value ?? 0);
    if (!(until > this.shared)) return;
    this.shared = until;
    this.throttle.blockUntil(until);
  }

  /** Writes in the background what this instance's throttle learnt, when it blocks longer than what was shared. */
  publish(): void {
    if (this.throttle.blockedUntil > this.shared) void this.write(this.throttle.blockedUntil);
  }

  private async write(until: number): Promise<void> {
    this.shared = until;
    const ttlMs = Math.max(1, until - this.now()) + READ_EVERY_MS;
    await this.redis.guard.run(() => this.redis.client.eval(BLOCK_UNTIL, 1, this.key, String(until), String(ttlMs)));
  }
}
