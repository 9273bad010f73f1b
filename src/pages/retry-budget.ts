import type { Clock } from '../core/clock.js';

/** Retries a quiet Page may always make, per second of quiet, so that a lone failure is still retried. */
const RESERVE_PER_SECOND = 1;
/** Most retries saved up: one batch's worth, so a long calm day cannot fund a retry storm. */
const MAX_SAVED = 50;
/** What a Page starts with: ten seconds of reserve. */
const INITIAL = 10;

/**
 * A Page's retry budget (Finagle's RetryBudget, as Grafbase has it too): every sub-request sent
 * for the first time deposits `ratio` of a retry, each retried sub-request withdraws one. While the
 * Graph API fails, retries add at most `ratio` (e.g. 10 %) to the sub-requests sent, plus a small
 * reserve, instead of multiplying them by RETRY_MAX + 1. Hand-written: cockatiel bounds attempts
 * per call, not retries across calls.
 */
export class RetryBudget {
  private balance = INITIAL;
  private at: number;

  constructor(
    private readonly ratio: number,
    private readonly clock: Clock,
  ) {
    this.at = clock();
  }

  /** `count` sub-requests went out for the first time. */
  deposit(count: number): void {
    this.refill();
    this.balance = Math.min(MAX_SAVED, this.balance + count * this.ratio);
  }

  /** How many of `wanted` retries may go now (withdrawn at once). */
  withdraw(wanted: number): number {
    this.refill();
    const granted = Math.min(wanted, Math.floor(this.balance));
    this.balance -= granted;
    return granted;
  }

  private refill(): void {
    const now = this.clock();
    if (now > this.at) this.balance = Math.min(MAX_SAVED, this.balance + ((now - this.at) / 1000) * RESERVE_PER_SECOND);
    this.at = now;
  }
}
