import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { instagramUser, messengerUser, parseIgsid, parsePsid, type UserRef } from '../../src/core/ids.js';
import type { Lookup, LookupCall, ProfileRequest } from '../../src/core/lookup.js';
import { createLogger } from '../../src/observability/logger.js';
import { Prefetcher } from '../../src/webhook/prefetch.js';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));
const psid = (i: number): UserRef => messengerUser(parsePsid(String(7_000_000_000_000_000 + i))!);
const igsid = (i: number): UserRef => instagramUser(parseIgsid(String(7_000_000_000_000_000 + i))!);
const fieldsOf = (messenger: string[], instagram: string[] = ['username']) => ({ messenger, instagram }) as never;

/** A Page whose chain records each call, answering once `release` is called (or at once). */
function page(id: string) {
  const calls: { requests: ProfileRequest[]; call: LookupCall }[] = [];
  let release: () => void = () => {};
  let held = false;
  const lookup: Lookup = async (requests, call) => {
    calls.push({ requests: [...requests], call });
    if (held) await new Promise<void>((resolve) => (release = resolve));
    return { results: requests.map(() => ({ kind: 'none' as const })) };
  };
  return { id, lookup, calls, hold: () => void (held = true), release: () => release() };
}

const until = (check: () => boolean) => expect.poll(check, { timeout: 2000, interval: 5 }).toBe(true);

describe('Prefetcher', () => {
  it('gathers users of each Page within the window into one bulk lookup per Page', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name', 'profile_pic']), windowMs: 20, logger });
    const [a, b] = [page('1'), page('2')];
    prefetcher.add(a, [psid(1), psid(2)]);
    prefetcher.add(b, [psid(3)]);
    prefetcher.add(a, [psid(2), psid(4)]);
    expect(a.calls).toHaveLength(0);
    await until(() => a.calls.length === 1 && b.calls.length === 1);
    expect(a.calls[0]!.requests).toEqual([
      { user: psid(1), fields: ['first_name', 'profile_pic'] },
      { user: psid(2), fields: ['first_name', 'profile_pic'] },
      { user: psid(4), fields: ['first_name', 'profile_pic'] },
    ]);
    expect(a.calls[0]!.call.caller).toEqual({ name: 'prefetch', priority: 'bulk' });
    expect(b.calls[0]!.requests.map((r) => r.user)).toEqual([psid(3)]);
    await prefetcher.close();
  });

  it('sends 50 users at once without waiting for the window', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name']), windowMs: 60_000, logger });
    const a = page('1');
    prefetcher.add(a, Array.from({ length: 53 }, (_, i) => psid(i)));
    expect(a.calls.map((c) => c.requests.length)).toEqual([50]);
    await prefetcher.close();
    // Closing drops the three still waiting for the window.
    expect(a.calls.map((c) => c.requests.length)).toEqual([50]);
  });

  it('close() waits for lookups under way and takes no more users', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name']), windowMs: 1, logger });
    const a = page('1');
    a.hold();
    prefetcher.add(a, [psid(1)]);
    await until(() => a.calls.length === 1);
    let closed = false;
    const closing = prefetcher.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    a.release();
    await closing;
    prefetcher.add(a, [psid(2)]);
    expect(a.calls).toHaveLength(1);
  });

  it('keeps at most PREFETCH_CONCURRENCY batches of a Page in flight; the rest wait, then go without another window', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name']), windowMs: 1, concurrency: 1, logger });
    const a = page('1');
    a.hold();
    prefetcher.add(a, Array.from({ length: 120 }, (_, i) => psid(i)));
    await until(() => a.calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // several windows pass: still one batch
    expect(a.calls).toHaveLength(1);
    a.release();
    await until(() => a.calls.length === 2);
    a.release();
    await until(() => a.calls.length === 3);
    a.release();
    expect(a.calls.map((c) => c.requests.length)).toEqual([50, 50, 20]);
    await prefetcher.close();
  });

  it('drops the oldest waiting users past PREFETCH_MAX_QUEUED', async () => {
    const dropped: number[] = [];
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name']), windowMs: 1, concurrency: 1, maxQueued: 10, onDropped: (n) => dropped.push(n), logger });
    const a = page('1');
    a.hold();
    prefetcher.add(a, [psid(0)]);
    await until(() => a.calls.length === 1);
    prefetcher.add(a, Array.from({ length: 25 }, (_, i) => psid(100 + i)));
    expect(dropped).toEqual([15]);
    a.release();
    await until(() => a.calls.length === 2);
    expect(a.calls[1]!.requests.map((r) => r.user)).toEqual(Array.from({ length: 10 }, (_, i) => psid(115 + i)));
    a.release();
    await prefetcher.close();
  });

  it('looks up as the bulk caller `prefetch` with its own budget', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name']), windowMs: 1, lookupsPerMinute: 120, logger });
    const a = page('1');
    prefetcher.add(a, [psid(1)]);
    await until(() => a.calls.length === 1);
    expect(a.calls[0]!.call.caller).toEqual({ name: 'prefetch', priority: 'bulk', lookupsPerMinute: 120 });
    await prefetcher.close();
  });

  it('asks Instagram users for the Instagram fields, in the same lookup as Messenger users of the Page', async () => {
    const prefetcher = new Prefetcher({ fields: fieldsOf(['first_name'], ['name', 'username']), windowMs: 1, logger });
    const a = page('1');
    prefetcher.add(a, [psid(1), igsid(1)]);
    await until(() => a.calls.length === 1);
    expect(a.calls[0]!.requests).toEqual([
      { user: psid(1), fields: ['first_name'] },
      { user: igsid(1), fields: ['name', 'username'] },
    ]);
    await prefetcher.close();
  });
});
