import { describe, expect, it } from 'vitest';
import { shedding } from '../../../src/chain/layers/shedding.js';
import type { Caller } from '../../../src/core/lookup.js';
import { Throttle } from '../../../src/pages/throttle.js';
import { fakeNext, profile, request, testClock } from './fake.js';

const BULK: Caller = { name: 'crm-sync', priority: 'bulk' };
const CONSOLE: Caller = { name: 'console', priority: 'interactive' };
const AT_PERCENT = 90;

const appUsage = (percent: number) => ({ 'x-app-usage': JSON.stringify({ call_count: percent, total_cputime: 1, total_time: 1 }) });

function layered() {
  const clock = testClock();
  const throttle = new Throttle({ defaultBackoffMs: 60_000, usageProbeMs: 5_000 }, clock.now);
  const shedCounts: [string, number][] = [];
  const { next, seen } = fakeNext();
  const lookup = shedding(throttle, { atPercent: AT_PERCENT, onShed: (caller, count) => shedCounts.push([caller.name, count]) }, clock.now)(next);
  return { lookup, seen, throttle, clock, shedCounts };
}

describe('shedding layer', () => {
  it('refuses a bulk caller, without passing down, while the latest usage is at the threshold; interactive callers go on', async () => {
    const { lookup, seen, throttle, shedCounts } = layered();
    throttle.observe(appUsage(AT_PERCENT));
    const bulk = await lookup([request(1), request(2)], { caller: BULK });
    for (const result of bulk.results) expect(result).toMatchObject({ extensions: { code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 30 } });
    expect(shedCounts).toEqual([['crm-sync', 2]]);
    expect((await lookup([request(3)], { caller: CONSOLE })).results).toEqual([profile()]);
    expect((await lookup([request(4)], {})).results).toEqual([profile()]);
    expect(seen.map((s) => s.requests)).toEqual([[request(3)], [request(4)]]);
  });

  it('lets a bulk caller through below the threshold', async () => {
    const { lookup, seen, throttle, shedCounts } = layered();
    throttle.observe(appUsage(AT_PERCENT - 1));
    await lookup([request(1)], { caller: BULK });
    expect(seen).toHaveLength(1);
    expect(shedCounts).toEqual([]);
  });

  it('holds an old reading 30 s on the clock, then lets one bulk batch through to bring a fresh one', async () => {
    const { lookup, seen, throttle, clock } = layered();
    throttle.observe(appUsage(95));
    clock.advance(29_001);
    expect((await lookup([request(1)], { caller: BULK })).results[0]).toMatchObject({ extensions: { retryAfterSeconds: 1 } });
    expect(seen).toHaveLength(0);
    clock.advance(999);
    await lookup([request(1)], { caller: BULK });
    expect(seen).toHaveLength(1);
  });

  it('tells a bulk caller to wait as long as the regain time the Page reports', async () => {
    const { lookup, throttle } = layered();
    throttle.observe({
      'x-business-use-case-usage': JSON.stringify({
        '1': [{ type: 'messenger', call_count: 95, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 5 }],
      }),
    });
    const { results } = await lookup([request(1)], { caller: BULK });
    expect(results[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 300 } });
  });
});
