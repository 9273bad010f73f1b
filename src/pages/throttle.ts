import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { Clock } from '../core/clock.js';
import { decidingUsage, parseUsage, peakPercent, regainMinutes, type Usage, type UsageFigures } from '../graph-api/usage.js';

export interface ThrottleOptions {
  /** Back-off after a rate-limit answer that says nothing about when to come back. */
  readonly defaultBackoffMs: number;
}

/** Usage figures as last reported, with the ones that decide throttling and the header they came in. */
export type LatestUsage = Usage & {
  readonly at: number;
  readonly deciding: { readonly figures: UsageFigures; readonly header: string } | undefined;
};

/**
 * Stops calls to the Graph API while it says the quota is used up: a usage header at 100%, a
 * positive estimated_time_to_regain_access, or a rate-limit error code. Calling on would only
 * prolong the throttling, since every sub-request counts against the quota.
 */
export class Throttle {
  private until = 0;
  /** The latest usage figures seen, with when (by the clock): for metrics, bulk shedding and the Page's status. */
  latest: LatestUsage | undefined;
  private lastRaw: string | undefined;
  private lastUsage: Omit<LatestUsage, 'at'> | undefined;

  constructor(
    private readonly options: ThrottleOptions,
    private readonly clock: Clock,
  ) {}

  /** When calls may resume (ms since the epoch, by the clock); in the past when they may go ahead. */
  get blockedUntil(): number {
    return this.until;
  }

  /** Seconds until calls may resume, or undefined when they may go ahead now. */
  retryAfterSeconds(): number | undefined {
    const wait = this.until - this.clock();
    return wait > 0 ? Math.ceil(wait / 1000) : undefined;
  }

  /** Reads the usage headers of any answer. */
  observe(headers: IncomingHttpHeaders | undefined): void {
    // Most answers repeat the previous figures: parse only what changed.
    const raw = `${String(headers?.['x-app-usage'] ?? '')}\n${String(headers?.['x-business-use-case-usage'] ?? '')}`;
    let usage = this.lastUsage;
    if (raw !== this.lastRaw || !usage) {
      const parsed = parseUsage(headers);
      usage = { ...parsed, deciding: decidingUsage(parsed, headers) };
    }
    this.lastRaw = raw;
    this.lastUsage = usage;
    if (!usage.app && usage.businessUseCases.length === 0) return;
    this.latest = { ...usage, at: this.clock() };
    const minutes = regainMinutes(usage);
    if (minutes > 0) this.blockFor(minutes * 60_000);
    else if (peakPercent(usage) >= 100) this.blockFor(this.options.defaultBackoffMs);
  }

  /** A rate-limit error code arrived: back off as the headers say, else for the default. */
  backOff(headers: IncomingHttpHeaders | undefined): void {
    this.observe(headers);
    if (this.retryAfterSeconds() === undefined) this.blockFor(this.options.defaultBackoffMs);
  }

  /** Blocks calls until `at` (another instance learnt the Page is throttled); a longer block stays. */
  blockUntil(at: number): void {
    this.until = Math.max(this.until, at);
  }

  private blockFor(ms: number): void {
    this.blockUntil(this.clock() + ms);
  }
}
