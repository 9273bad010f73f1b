import { describe, expect, it } from 'vitest';
import { AS_CONSOLE, AS_SYNC, callersEnv, usersQuery } from './callers.js';
import { codesByPath, DEMO_PSIDS, generatedPsid, startStack } from './helpers.js';

const ONE_USER = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;

describe('admission control: the event loop', () => {
  it('refuses new operations with 503 + Retry-After while the event loop lags past EVENT_LOOP_LAG_LIMIT_MS, and takes them again after', async () => {
    const stack = await startStack({ env: { EVENT_LOOP_LAG_LIMIT_MS: '300' } });
    try {
      expect((await stack.query(ONE_USER)).status).toBe(200);
      // The process is busy for 600 ms: every timer, the watch's included, fires that late.
      const busyUntil = performance.now() + 600;
      while (performance.now() < busyUntil) {
        // spin
      }
      const refused = await stack.query(ONE_USER);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toEqual({ errors: [{ message: 'The gateway is overloaded. Retry later.', extensions: { code: 'OVERLOADED' } }] });
      expect(stack.emulator.requests).toHaveLength(1);
      await expect.poll(async () => (await stack.query(ONE_USER)).status, { timeout: 5000, interval: 100 }).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('admission control: the Page\'s queue of batch calls', () => {
  it('refuses at once, with retryAfterSeconds, what the queue could not answer within the deadline; what it admits is answered', async () => {
    // One connection, 200 ms per call, a 1 s deadline: about four calls can be answered in time.
    const stack = await startStack({ env: { UPSTREAM_CONNECTIONS: '1', UPSTREAM_TIMEOUT_MS: '1000', RETRY_MAX: '0', EVENT_LOOP_LAG_LIMIT_MS: '0' } });
    try {
      stack.emulator.injectFault({ delayMs: 200, times: 100 });
      expect((await stack.query(ONE_USER)).body.errors).toBeUndefined(); // the queue learns how fast calls are
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stack.query(`{ user(psid: "${generatedPsid(700 + i)}") { profile { firstName } } }`)),
      );
      const refused = results.filter((r) => r.body.errors?.[0]?.extensions?.retryAfterSeconds !== undefined);
      // Generated users have no profile: NOT_FOUND is an answer from the Graph API.
      const answered = results.filter((r) => codesByPath(r)['user.profile'] === 'NOT_FOUND');
      expect(answered.length).toBeGreaterThanOrEqual(2);
      // Refused up front, not timed out in the queue: only a refusal says when to come back.
      expect(refused.length).toBeGreaterThanOrEqual(4);
      for (const r of refused) expect(codesByPath(r)).toEqual({ 'user.profile': 'UPSTREAM_UNAVAILABLE' });
      // What was refused never reached the Graph API.
      expect(stack.emulator.subRequests.length).toBeLessThanOrEqual(1 + 12 - refused.length);
    } finally {
      await stack.close();
    }
  });
});

describe('admission control: PSIDs in flight', () => {
  it('refuses a caller\'s operation with 503 while its PSIDs under way would pass MAX_PSIDS_IN_FLIGHT_PER_CALLER; others go on, and it may again once they are answered', async () => {
    const stack = await startStack({ env: { ...callersEnv(), MAX_PSIDS_IN_FLIGHT_PER_CALLER: '3', EVENT_LOOP_LAG_LIMIT_MS: '0' } });
    try {
      stack.emulator.injectFault({ delayMs: 300 });
      const held = stack.query(usersQuery([generatedPsid(1), generatedPsid(2), generatedPsid(3)]), undefined, AS_SYNC);
      await expect.poll(() => stack.emulator.requests.length, { timeout: 2000, interval: 5 }).toBe(1);
      const refused = await stack.query(usersQuery([generatedPsid(4)]), undefined, AS_SYNC);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'OVERLOADED', retryAfterSeconds: 1 });
      expect((await stack.query(usersQuery([generatedPsid(5)]), undefined, AS_CONSOLE)).status).toBe(200);
      expect((await held).status).toBe(200);
      expect((await stack.query(usersQuery([generatedPsid(4)]), undefined, AS_SYNC)).status).toBe(200);
      expect(stack.emulator.subRequests.map((s) => s.id).sort()).toEqual([1, 2, 3, 5, 4].map(generatedPsid).sort());
    } finally {
      await stack.close();
    }
  });
});
