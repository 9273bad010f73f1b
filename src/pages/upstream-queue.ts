import { upstreamUnavailable } from '../core/errors.js';
import type { Lookup } from '../core/lookup.js';

/** Weight of the newest batch call in the service-time average. */
const NEWEST_WEIGHT = 0.2;

/**
 * A Page's batch calls: at most `connections` at once (as many as the Page's HTTP pool has), the
 * others waiting here in order, so the gateway knows its own queue and how fast it drains (the
 * average service time of a call). admission (chain/layers/admission.ts) refuses what could not
 * finish within the deadline. Hand-written: a FIFO semaphore that also measures, in a few lines.
 */
export class UpstreamQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Average duration of one batch call once it has a connection, ms; 0 before the first. */
  private serviceMs = 0;

  constructor(private readonly connections: number) {}

  /** How long `batches` more batch calls asked now would take to be answered, in ms (0 before any call). */
  expectedMs(batches: number): number {
    const ahead = this.waiting.length + Math.max(0, this.active + batches - this.connections);
    return (Math.ceil(ahead / this.connections) + 1) * this.serviceMs;
  }

  /** The innermost lookup, made to wait its turn and measured. */
  track(post: Lookup): Lookup {
    return async (requests, call) => {
      if (!(await this.acquire(call.signal))) {
        const error = upstreamUnavailable('Deadline reached before a connection to the Graph API was free');
        return { results: requests.map(() => error) };
      }
      const started = performance.now();
      try {
        return await post(requests, call);
      } finally {
        const took = performance.now() - started;
        this.serviceMs = this.serviceMs === 0 ? took : (1 - NEWEST_WEIGHT) * this.serviceMs + NEWEST_WEIGHT * took;
        this.release();
      }
    };
  }

  /** Resolves true with a connection of the pool, or false when `signal` aborts first. */
  private acquire(signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.connections) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(granted);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(false);
      };
      // The releasing call hands its connection over: `active` stays as it is.
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.waiting.push(granted);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
