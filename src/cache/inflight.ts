import type { GraphField } from '../core/fields.js';
import type { ProfileResult } from '../core/lookup.js';

/** An upstream lookup of one user that is under way, or whose result is still being stored. */
export interface InflightLookup {
  readonly fields: ReadonlySet<GraphField>;
  readonly result: Promise<ProfileResult>;
}

/** Which lookups under way a caller waits for, each for some of its fields, and what nobody asks yet. */
export interface Coverage {
  readonly joined: readonly { readonly lookup: InflightLookup; readonly fields: readonly GraphField[] }[];
  readonly missing: readonly GraphField[];
}

/**
 * Lookups under way per cache key, shared by every operation of this instance: 100 operations asking
 * for one cold user at once cost one upstream sub-request, not 100.
 */
export class InflightLookups {
  private readonly byKey = new Map<string, Set<InflightLookup>>();

  /**
   * Splits the wanted fields between lookups already under way and those nobody asks for yet. A
   * lookup is joined for whatever part of the wanted fields it covers, so a caller that needs one
   * more field waits for the running lookup and asks upstream for that field alone.
   */
  cover(key: string, wanted: readonly GraphField[]): Coverage {
    let missing = wanted;
    const joined: { lookup: InflightLookup; fields: GraphField[] }[] = [];
    for (const lookup of this.byKey.get(key) ?? []) {
      if (missing.length === 0) break;
      const fields = missing.filter((field) => lookup.fields.has(field));
      if (fields.length === 0) continue;
      joined.push({ lookup, fields });
      missing = missing.filter((field) => !lookup.fields.has(field));
    }
    return { joined, missing };
  }

  add(key: string, lookup: InflightLookup): void {
    let lookups = this.byKey.get(key);
    if (!lookups) this.byKey.set(key, (lookups = new Set()));
    lookups.add(lookup);
  }

  remove(key: string, lookup: InflightLookup): void {
    const lookups = this.byKey.get(key);
    if (!lookups?.delete(lookup)) return;
    if (lookups.size === 0) this.byKey.delete(key);
  }

  /** Later callers start lookups of their own: a refresh must not be answered by one begun before it. */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
