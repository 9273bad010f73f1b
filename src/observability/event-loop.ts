import type { GatewayMetrics } from './metrics.js';

/** How often the event loop's delay is sampled. */
const SAMPLE_MS = 100;
/** The delay counted is the highest of this many recent samples (about a second). */
const WINDOW_SAMPLES = 10;

/**
 * Watches the event loop's delay (how late a 100 ms timer fires), so that an overloaded process
 * refuses new operations at once rather than answering every one of them late. prom-client's
 * default metrics show the lag on /metrics (`nodejs_eventloop_lag_seconds`); the refusals are
 * counted in `gateway_overload_refusals_total`.
 */
export class EventLoopWatch {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly refusals: { inc(): void };

  constructor(
    private readonly limitMs: number,
    metrics: GatewayMetrics,
  ) {
    let expected = performance.now() + SAMPLE_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.samples.push(Math.max(0, now - expected));
      if (this.samples.length > WINDOW_SAMPLES) this.samples.shift();
      expected = now + SAMPLE_MS;
    }, SAMPLE_MS).unref();
    this.refusals = metrics.counter({ name: 'gateway_overload_refusals_total', help: 'Operations refused with 503 while the event loop lagged past EVENT_LOOP_LAG_LIMIT_MS.' });
  }

  /** Seconds a client should wait when the loop lags past the limit (counted as a refusal); undefined otherwise. */
  refusal(): number | undefined {
    const lag = Math.max(0, ...this.samples);
    if (lag < this.limitMs) return undefined;
    this.refusals.inc();
    return Math.max(1, Math.ceil(lag / 1000));
  }

  close(): void {
    clearInterval(this.timer);
  }
}
