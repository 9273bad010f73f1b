import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { AS_CONSOLE, AS_SYNC, callersEnv, usersQuery } from './callers.js';
import { bucUsage, deliver, DEMO_PSIDS, gatewayUrl, generatedPsid, messagingDelivery, useClockedStack, type Stack } from './helpers.js';

const SECRET = 'bounds-prefetch-app-secret';
const ENV = {
  WEBHOOK_VERIFY_TOKEN: 'verify-me',
  APP_SECRET: SECRET,
  PAGE_ID: DEMO_PAGE_ID,
  PROFILE_CACHE_TTL: '300',
  RETRY_MAX: '0',
  PREFETCH_ON_MESSAGE: 'true',
  PREFETCH_WINDOW_MS: '10',
};
const { start, clock } = useClockedStack();
const boot = (extra: Record<string, string> = {}) => start({ env: { ...ENV, DATA_DIR: mkdtempSync(join(tmpdir(), 'bounds-prefetch-')), ...extra } });
const messages = (psids: readonly string[]) => messagingDelivery(DEMO_PAGE_ID, psids.map((psid) => ({ psid, kind: 'message' as const })));

async function callerLookups(stack: Stack, result: string): Promise<number> {
  const text = await (await fetch(gatewayUrl(stack, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`gateway_caller_lookups_total{caller="prefetch",result="${result}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('prefetch is a polite guest', () => {
  it('a replayed delivery (same message ids) hands on no sender again, even once the cached profiles are stale', async () => {
    const stack = await boot();
    const users = [generatedPsid(300), generatedPsid(301), generatedPsid(302)];
    const delivery = messages(users);
    expect((await deliver(stack.gateway.webhookUrl, delivery, SECRET)).status).toBe(200);
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 5000, interval: 10 }).toBe(3);

    clock.advance(400); // past PROFILE_CACHE_TTL: a new prefetch of these users would go upstream
    expect((await deliver(stack.gateway.webhookUrl, delivery, SECRET)).status).toBe(200);
    // A new message after the replay: once its prefetch is in, the replay's would have been too.
    await deliver(stack.gateway.webhookUrl, messages([generatedPsid(303)]), SECRET);
    await expect.poll(() => stack.emulator.subRequests.length, { timeout: 5000, interval: 10 }).toBe(4);
    expect(stack.emulator.subRequests.map((s) => s.id).sort()).toEqual([...users, generatedPsid(303)].sort());
  });

  it('a flood of 1,000 senders costs the Page at most PREFETCH_LOOKUPS_PER_MINUTE sub-requests, and no more', async () => {
    const stack = await boot({ PREFETCH_LOOKUPS_PER_MINUTE: '100' });
    for (let d = 0; d < 5; d++) {
      const senders = Array.from({ length: 200 }, (_, i) => generatedPsid(10_000 + d * 200 + i));
      expect((await deliver(stack.gateway.webhookUrl, messages(senders), SECRET)).status).toBe(200);
    }
    await expect.poll(async () => (await callerLookups(stack, 'upstream')) + (await callerLookups(stack, 'over_budget')), { timeout: 10_000, interval: 20 }).toBe(1000);
    expect(await callerLookups(stack, 'upstream')).toBe(100);
    expect(stack.emulator.subRequests).toHaveLength(100);
  });
});

describe('after a shedding hold, exactly one bulk batch probes', () => {
  it('lets one bulk lookup through when the hold ends; others are shed until its fresh reading is in', async () => {
    const stack = await start({ env: callersEnv() });
    stack.emulator.injectFault({ headers: bucUsage(90, 0) });
    await stack.query(usersQuery([DEMO_PSIDS.peter]), undefined, AS_CONSOLE);
    clock.advance(31);
    stack.emulator.reset();
    stack.emulator.injectFault({ delayMs: 300 });
    const probe = stack.query(usersQuery([generatedPsid(1)]), undefined, AS_SYNC);
    await expect.poll(() => stack.emulator.requests.length, { timeout: 2000, interval: 5 }).toBe(1);
    const second = await stack.query(usersQuery([generatedPsid(2)]), undefined, AS_SYNC);
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 1 });
    expect((await probe).body.errors).toBeUndefined();
    // The probe's reading (the emulator's own, low) lets bulk callers go on.
    expect((await stack.query(usersQuery([generatedPsid(2)]), undefined, AS_SYNC)).body.errors).toBeUndefined();
    expect(stack.emulator.requests).toHaveLength(2);
  });
});
