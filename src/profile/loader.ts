import DataLoader from 'dataloader';
import type { GraphField } from '../core/fields.js';
import type { Psid } from '../core/ids.js';
import { MAX_BATCH_SIZE } from '../graph-api/client.js';
import type { Lookup, LookupCall, ProfileOutcome, ProfileResult } from '../core/lookup.js';

/**
 * Per-operation profile loader, on top of a Page's chain. Every `profile` field resolved in one
 * tick for the same PSID joins one sub-request carrying the union of the Graph fields they asked
 * for; up to 50 PSIDs share one batch call. Every lookup carries the operation's caller, which
 * decides its share of the Page's quota (budget, priority).
 */
export class ProfileLoader {
  // Private: DataLoader keys are PSIDs, so the fields travel beside them. `wanted` gathers fields
  // until the batch is dispatched; `sent` remembers what each dispatched lookup asked for, so a
  // later request for a field outside it starts a new lookup instead of reusing one that lacks it.
  private readonly wanted = new Map<Psid, Set<GraphField>>();
  private readonly sent = new Map<Psid, ReadonlySet<GraphField>>();
  private readonly loader: DataLoader<Psid, ProfileOutcome>;

  /** `call` travels with every lookup of the operation (its accounting, its caller). */
  constructor(
    lookup: Lookup,
    private readonly call: LookupCall = {},
  ) {
    this.loader = new DataLoader((psids) => this.dispatch(psids, lookup), { maxBatchSize: MAX_BATCH_SIZE });
  }

  load(psid: Psid, fields: ReadonlySet<GraphField>): Promise<ProfileOutcome> {
    const sent = this.sent.get(psid);
    if (sent && ![...fields].every((field) => sent.has(field))) {
      this.sent.delete(psid);
      this.loader.clear(psid);
      this.want(psid, sent);
    }
    this.want(psid, fields);
    return this.loader.load(psid);
  }

  private want(psid: Psid, fields: Iterable<GraphField>): void {
    let set = this.wanted.get(psid);
    if (!set) this.wanted.set(psid, (set = new Set()));
    for (const field of fields) set.add(field);
  }

  private async dispatch(psids: readonly Psid[], lookup: Lookup): Promise<ProfileResult[]> {
    const requests = psids.map((psid) => {
      const fields = this.wanted.get(psid) ?? new Set<GraphField>();
      this.wanted.delete(psid);
      this.sent.set(psid, fields);
      return { psid, fields: [...fields] };
    });
    return (await lookup(requests, this.call)).results;
  }
}
