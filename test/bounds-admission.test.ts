import { describe, expect, it } from 'vitest';
import { DEMO_PSIDS, startStack } from './helpers.js';

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
