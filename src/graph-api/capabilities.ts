import type { Clock } from '../clock.js';
import type { GatewayError } from '../errors.js';
import type { GraphField } from './fields.js';

/** What a lookup has shown of one field: the app read it, or the error that kept it from it. */
export type FieldAccess = 'available' | GatewayError;

/**
 * What the gateway has learnt about reading each field: that the app cannot (a missing permission,
 * a field the version lacks), remembered for a while so later lookups leave those fields out
 * instead of paying a failed call first; and that it could, for the Page's status.
 */
export class Capabilities {
  private readonly known = new Map<GraphField, { access: FieldAccess; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: Clock,
  ) {}

  /** The error to report for a field known to be unreadable, if any. */
  missingError(field: GraphField): GatewayError | undefined {
    const access = this.access(field);
    return access === 'available' ? undefined : access;
  }

  /** What is known of the field now; undefined when nothing is (or it was forgotten). */
  access(field: GraphField): FieldAccess | undefined {
    const entry = this.known.get(field);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.access;
    this.known.delete(field);
    return undefined;
  }

  remember(field: GraphField, error: GatewayError): void {
    if (this.ttlMs > 0) this.known.set(field, { access: error, until: this.now() + this.ttlMs });
  }

  /** A lookup read these fields: the app has what they take (until it is learnt otherwise). */
  readable(fields: Iterable<GraphField>): void {
    if (this.ttlMs <= 0) return;
    const until = this.now() + this.ttlMs;
    for (const field of fields) {
      const entry = this.known.get(field);
      // Private: most lookups confirm what is already known; update in place rather than allocate.
      if (entry?.access === 'available') entry.until = until;
      else this.known.set(field, { access: 'available', until });
    }
  }
}
