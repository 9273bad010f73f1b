import type { Clock } from '../clock.js';
import type { GatewayError } from '../errors.js';
import type { GraphField } from './fields.js';

/**
 * What the gateway has learnt the app cannot read (a missing permission, a field the version
 * lacks), remembered for a while so later lookups leave those fields out instead of paying a
 * failed call first.
 */
export class Capabilities {
  private readonly missing = new Map<GraphField, { readonly error: GatewayError; readonly until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: Clock,
  ) {}

  /** Whether anything is remembered (possibly expired): lookups skip the per-field check otherwise. */
  knowsAny(): boolean {
    return this.missing.size > 0;
  }

  /** The error to report for a field known to be unreadable, if any. */
  missingError(field: GraphField): GatewayError | undefined {
    const entry = this.missing.get(field);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.error;
    this.missing.delete(field);
    return undefined;
  }

  remember(field: GraphField, error: GatewayError): void {
    if (this.ttlMs > 0) this.missing.set(field, { error, until: this.now() + this.ttlMs });
  }
}
