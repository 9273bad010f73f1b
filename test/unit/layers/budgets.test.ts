import { describe, expect, it } from 'vitest';
import { budgets } from '../../../src/chain/layers/budgets.js';
import type { Caller } from '../../../src/core/lookup.js';
import { CallerBudgets, type CallerLookupResult } from '../../../src/pages/budgets.js';
import { fakeNext, profile, request } from './fake.js';

const CRM: Caller = { name: 'crm-sync', priority: 'bulk', lookupsPerMinute: 3 };
const CONSOLE: Caller = { name: 'console', priority: 'interactive' };

function layered() {
  // In memory (no Redis): the budget rule itself, counted by rate-limiter-flexible.
  const callerBudgets = new CallerBudgets(undefined);
  const counted: [string | undefined, CallerLookupResult, number][] = [];
  const { next, seen } = fakeNext();
  const lookup = budgets(callerBudgets, 'page-1', (caller, result, count) => counted.push([caller?.name, result, count]))(next);
  return { lookup, seen, counted };
}

describe('budgets layer', () => {
  it("passes down the first lookups up to the caller's budget and refuses the rest with RATE_LIMITED (caller)", async () => {
    const { lookup, seen, counted } = layered();
    const requests = [1, 2, 3, 4, 5].map((n) => request(n));
    const answer = await lookup(requests, { caller: CRM });
    expect(seen.map((s) => s.requests)).toEqual([requests.slice(0, 3)]);
    expect(answer.results.slice(0, 3)).toEqual([profile(), profile(), profile()]);
    // The window is a minute that began with this lookup: its refusals wait for all of it.
    for (const refused of answer.results.slice(3)) {
      expect(refused).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'caller', retryAfterSeconds: 60 } });
    }
    expect(counted).toEqual([
      ['crm-sync', 'upstream', 3],
      ['crm-sync', 'over_budget', 2],
    ]);
  });

  it('passes nothing down once the budget is spent', async () => {
    const { lookup, seen, counted } = layered();
    await lookup([1, 2, 3].map((n) => request(n)), { caller: CRM });
    const answer = await lookup([request(4)], { caller: CRM });
    expect(seen).toHaveLength(1);
    expect(answer.results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'caller' } });
    expect(counted.at(-1)).toEqual(['crm-sync', 'over_budget', 1]);
  });

  it('passes every lookup of a caller without a budget (or of no caller) down, counted as upstream', async () => {
    const { lookup, seen, counted } = layered();
    const requests = [1, 2, 3, 4, 5].map((n) => request(n));
    expect((await lookup(requests, { caller: CONSOLE })).results).toHaveLength(5);
    await lookup([request(6)], {});
    expect(seen.map((s) => s.requests.length)).toEqual([5, 1]);
    expect(counted).toEqual([
      ['console', 'upstream', 5],
      [undefined, 'upstream', 1],
    ]);
  });

  it('counts each caller on its own budget', async () => {
    const { lookup, seen } = layered();
    await lookup([1, 2, 3].map((n) => request(n)), { caller: CRM });
    await lookup([request(4)], { caller: { ...CRM, name: 'other-sync' } });
    expect(seen.map((s) => s.requests.length)).toEqual([3, 1]);
  });
});
