import DataLoader from 'dataloader';
import type { GraphField } from '../core/fields.js';
import { userKey, type UserRef } from '../core/ids.js';
import { MAX_BATCH_SIZE } from '../graph-api/client.js';
import type { Lookup, LookupCall, ProfileOutcome, ProfileResult } from '../core/lookup.js';

/**
 * Per-operation profile loader, on top of a Page's chain. Every `profile` field resolved in one
 * tick for the same user joins one sub-request carrying the union of the Graph fields they asked
 * for; up to 50 users (Messenger and Instagram alike) share one batch call. Every lookup carries
 * the operation's caller, which decides its share of the Page's quota (budget, priority).
 */
export class ProfileLoader {
  // Private: DataLoader keys are users (cached by userKey), so the fields travel beside them.
  // `wanted` gathers fields until the batch is dispatched; `sent` remembers what each dispatched
  // lookup asked for, so a later request for a field outside it starts a new lookup instead of
  // reusing one that lacks it.
  private readonly wanted = new Map<string, Set<GraphField>>();
  private readonly sent = new Map<string, ReadonlySet<GraphField>>();
  private readonly loader: DataLoader<UserRef, ProfileOutcome, string>;

  /** `call` travels with every lookup of the operation (its accounting, its caller). */
  constructor(
    lookup: Lookup,
    private readonly call: LookupCall = {},
  ) {
    this.loader = new DataLoader((users) => this.dispatch(users, lookup), { maxBatchSize: MAX_BATCH_SIZE, cacheKeyFn: userKey });
  }

  load(user: UserRef, fields: ReadonlySet<GraphField>): Promise<ProfileOutcome> {
    const key = userKey(user);
    const sent = this.sent.get(key);
    if (sent && ![...fields].every((field) => sent.has(field))) {
      this.sent.delete(key);
      this.loader.clear(user);
      this.want(key, sent);
    }
    this.want(key, fields);
    return this.loader.load(user);
  }

  private want(key: string, fields: Iterable<GraphField>): void {
    let set = this.wanted.get(key);
    if (!set) this.wanted.set(key, (set = new Set()));
    for (const field of fields) set.add(field);
  }

  private async dispatch(users: readonly UserRef[], lookup: Lookup): Promise<ProfileResult[]> {
    const requests = users.map((user) => {
      const key = userKey(user);
      const fields = this.wanted.get(key) ?? new Set<GraphField>();
      this.wanted.delete(key);
      this.sent.set(key, fields);
      return { user, fields: [...fields] };
    });
    return (await lookup(requests, this.call)).results;
  }
}
