import { describe, expect, it } from 'vitest';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { generatedPsid, useClockedStack } from './helpers.js';

const { start } = useClockedStack({ env: { RETRY_BASE_MS: '1', RETRY_CAP_MS: '2', BREAKER_THRESHOLD: '10000' } });

describe('retries within a per-Page retry budget (RETRY_BUDGET_PERCENT)', () => {
  it('adds at most 10 % of the sub-requests sent (plus the 10 saved) while every user fails, not RETRY_MAX times them', async () => {
    const s = await start();
    const users = Array.from({ length: 250 }, (_, i) => generatedPsid(5000 + i));
    for (const psid of users) s.emulator.setUser(psid, { kind: 'error', error: GraphErrors.serviceError });
    // Five operations of 50 users; the clock stands still, so no reserve is refilled.
    for (let op = 0; op < 5; op++) {
      const batch = users.slice(op * 50, op * 50 + 50);
      const res = await s.query(`{ users(psids: [${batch.map((p) => `"${p}"`).join(',')}]) { profile { firstName } } }`);
      expect(res.body.errors).toHaveLength(50);
    }
    // 250 first tries; 25 deposited + 10 to start with; RETRY_MAX=2 alone would have allowed 500.
    expect(s.emulator.subRequests).toHaveLength(250 + 35);
  });
});
