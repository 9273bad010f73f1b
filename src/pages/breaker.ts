import type { Clock } from '../core/clock.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failed exchanges that open the circuit. */
  readonly threshold: number;
  /** How long the open circuit fails fast before one probe. */
  readonly cooldownMs: number;
}


/**
 * A consecutive-failure circuit breaker with one half-open probe. Hand-written rather than
 * cockatiel's: its cool-down reads Date.now() and cannot be given the gateway's clock.
 */
export class Breaker {
  private failures = 0;
  /** When the circuit last opened; undefined while closed. */
  private openedAt: number | undefined;
  /** Settles when the running half-open probe has decided. */
  private probe: { readonly decided: Promise<void>; readonly decide: () => void } | undefined;

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.probe ? 'half-open' : 'open';
  }

  /**
   * 'call' while closed; once the cool-down has passed, 'probe' for exactly one caller. Callers
   * arriving during the probe wait for it and go ahead if it closed the circuit; else false.
   */
  async admit(): Promise<'call' | 'probe' | false> {
    if (this.openedAt === undefined) return 'call';
    if (this.probe) {
      await this.probe.decided;
      return this.state === 'closed' ? 'call' : false;
    }
    if (this.clock() - this.openedAt < this.options.cooldownMs) return false;
    let decide!: () => void;
    const decided = new Promise<void>((resolve) => (decide = resolve));
    this.probe = { decided, decide };
    return 'probe';
  }

  record(failed: boolean, admitted: 'call' | 'probe'): void {
    if (admitted === 'probe') {
      this.failures = 0;
      this.openedAt = failed ? this.clock() : undefined;
      const probe = this.probe;
      this.probe = undefined;
      probe?.decide();
      return;
    }
    // Exchanges begun before the circuit opened still count, but only a probe closes it.
    if (!failed) this.failures = 0;
    else if (this.openedAt === undefined && ++this.failures >= this.options.threshold) this.openedAt = this.clock();
  }
}
