import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { Clock } from '../core/clock.js';
import { decidingUsage, parseUsage, peakPercent, regainMinutes, type Usage, type UsageFigures } from '../graph-api/usage.js';

export interface ThrottleOptions {
  /** Back-off after a rate-limit answer that says nothing about when to come back. */
  readonly defaultBackoffMs: number;
  /**
   * While usage reads 100 % or more without a refusal and without a regain time, one lookup per
   * this interval goes through: the quota's window rolls, and each answer brings a fresh figure.
   */
  readonly usageProbeMs: number;
}

/** Usage figures as last reported, with the ones that decide throttling and the header they came in. */
export type LatestUsage = Usage & {
  readonly at: number;
  readonly deciding: { readonly figures: UsageFigures; readonly header: string } | undefined;
};

/**
 * Stops calls to the Graph API while it says the quota is used up: a positive
 * estimated_time_to_regain_access or a rate-limit error code. Calling on would only prolong the
 * throttling, since every sub-request counts against the quota. A usage figure at 100 % alone is
 * no refusal: the window rolls, so one lookup per `usageProbeMs` goes through to read it again.
 */
export class Throttle {
  private until = 0;
  /** Usage read ≥ 100 % with neither a refusal nor a regain time. */
  private saturated = false;
  private nextUsageProbe = 0;
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
    const now = this.clock();
    const wait = Math.max(this.until, this.saturated ? this.nextUsageProbe : 0) - now;
    return wait > 0 ? Math.ceil(wait / 1000) : undefined;
  }

  /**
   * Whether a lookup may call now: undefined when it may, else the seconds to wait. While usage
   * is saturated, the first lookup after each `usageProbeMs` is let through.
   */
  admit(): number | undefined {
    const now = this.clock();
    if (this.until > now) return Math.ceil((this.until - now) / 1000);
    if (!this.saturated) return undefined;
    if (now >= this.nextUsageProbe) {
      this.nextUsageProbe = now + this.options.usageProbeMs;
      return undefined;
    }
    return Math.ceil((this.nextUsageProbe - now) / 1000);
  }

  /** Reads the usage headers of any answer. */
  observe(headers: IncomingHttpHeaders | undefined): void {
    // Most answers repeat the previous figures: parse only what changed.
    const raw = `${String(headers?.['x-app-usage'] ?? '')}\n${String(headers?.['x-page-usage'] ?? '')}\n${String(headers?.['x-business-use-case-usage'] ?? '')}`;
    let usage = this.lastUsage;
    if (raw !== this.lastRaw || !usage) {
      const parsed = parseUsage(headers);
      usage = { ...parsed, deciding: decidingUsage(parsed, headers) };
    }
    this.lastRaw = raw;
    this.lastUsage = usage;
    if (!usage.app && !usage.page && usage.businessUseCases.length === 0) return;
    this.latest = { ...usage, at: this.clock() };
    const minutes = regainMinutes(usage);
    const saturated = minutes === 0 && peakPercent(usage) >= 100;
    // This answer is itself a fresh reading: the next one is due an interval from now.
    if (saturated && !this.saturated) this.nextUsageProbe = this.clock() + this.options.usageProbeMs;
    this.saturated = saturated;
    if (minutes > 0) this.blockFor(minutes * 60_000);
  }

  /** A rate-limit error code arrived: back off as the headers say, else for the default. */
  backOff(headers: IncomingHttpHeaders | undefined): void {
    this.observe(headers);
    // A refusal is no mere reading: the wait between readings at 100 % does not stand in for the back-off.
    if (this.until <= this.clock()) this.blockFor(this.options.defaultBackoffMs);
  }

  /** Blocks calls until `at` (another instance learnt the Page is throttled); a longer block stays. */
  blockUntil(at: number): void {
    this.until = Math.max(this.until, at);
  }

  private blockFor(ms: number): void {
    this.blockUntil(this.clock() + ms);
  }
}
