import type { Clock } from '../core/clock.js';
import type { GatewayError } from '../core/errors.js';
import type { GraphField } from '../core/fields.js';

/** What a lookup has shown of one field: the app read it, or the error that kept it from it. */
export type FieldAccess = 'available' | GatewayError;

/**
 * What the gateway has learnt about reading each field: that the app cannot (a missing permission,
 * a field the version lacks), remembered for a while so later lookups leave those fields out
 * instead of paying a failed call first; and that it could, for the Page's status.
 */
export class Capabilities {
  private readonly missing = new Map<GraphField, { readonly error: GatewayError; readonly until: number }>();
  /** Until when each field is known readable. */
  private readonly available = new Map<GraphField, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** Whether any field is remembered unreadable (possibly expired): lookups skip the per-field check otherwise. */
  knowsAny(): boolean {
    return this.missing.size > 0;
  }

  /** The error to report for a field known to be unreadable, if any. */
  missingError(field: GraphField): GatewayError | undefined {
    const entry = this.missing.get(field);
    if (!entry) return undefined;
    if (entry.until > this.clock()) return entry.error;
    this.missing.delete(field);
    return undefined;
  }

  /** What is known of the field now; undefined when nothing is (or it was forgotten). */
  access(field: GraphField): FieldAccess | undefined {
    const missing = this.missingError(field);
    if (missing) return missing;
    const until = this.available.get(field);
    if (until === undefined) return undefined;
    if (until > this.clock()) return 'available';
    this.available.delete(field);
    return undefined;
  }

  remember(field: GraphField, error: GatewayError): void {
    if (this.ttlMs <= 0) return;
    this.available.delete(field);
    this.missing.set(field, { error, until: this.clock() + this.ttlMs });
  }

  /** A lookup read these fields: the app has what they take (until it is learnt otherwise). */
  readable(fields: Iterable<GraphField>): void {
    if (this.ttlMs <= 0) return;
    const until = this.clock() + this.ttlMs;
    for (const field of fields) {
      this.missing.delete(field);
      this.available.set(field, until);
    }
  }
}

/** What one probe learnt, and why it learnt nothing when it did not. */
export interface ProbeResult {
  readonly learnt: ReadonlyMap<GraphField, FieldAccess>;
  /** Set when no sub-request taught anything: the error of the first one (rate limited, not found, …). */
  readonly failure?: Error | undefined;
}
