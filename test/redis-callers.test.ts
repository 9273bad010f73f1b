import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers } from '../src/demo/emulator/data.js';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { AS_CONSOLE, AS_SYNC, callersEnv, usersQuery } from './callers.js';
import { captureLogs, codesByPath, generatedPsid, startGatewayFor, testClock, type CapturedLogs, type TestClock, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

// Distinctive, so that finding it anywhere in Redis cannot be a coincidence.
const TOKEN = 'EAAG-redis-callers-Kq2vN8pL-page-token';
const USERS = Array.from({ length: 8 }, (_, i) => generatedPsid(i));

describe('callers on Redis: budgets and throttling shared by every instance', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  /** One clock for every instance, as the machines' clocks would be. */
  let clock: TestClock;
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string> = {}, logs?: CapturedLogs) => {
    const gateway = await startGatewayFor(emulator, {
      env: { PAGE_ACCESS_TOKEN: TOKEN, REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', ...env },
      clock: clock.now,
      ...(logs ? { logs } : {}),
    });
    gateways.push(gateway);
    return gateway;
  };

  beforeEach(async () => {
    clock = testClock();
    redis = await startRedis();
    emulator = await GraphEmulator.start({ pages: [{ id: DEMO_PAGE_ID, token: TOKEN, users: demoUsers() }] });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await emulator.close();
    await redis.stop();
  });

  it('two instances draw on one budget per caller', async () => {
    const [a, b] = [await start(callersEnv(4)), await start(callersEnv(4))];
    expect((await a.query(usersQuery(USERS.slice(0, 3)), undefined, AS_SYNC)).body.errors).toBeUndefined();
    const res = await b.query(usersQuery(USERS.slice(3, 6)), undefined, AS_SYNC);
    expect(res.body.data?.users[0].profile).toEqual({ firstName: expect.any(String) });
    expect(codesByPath(res)).toEqual({ 'users.1.profile': 'RATE_LIMITED', 'users.2.profile': 'RATE_LIMITED' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ scope: 'caller' });
    expect(emulator.subRequests.map((r) => r.id)).toEqual(USERS.slice(0, 4));
    // The interactive caller has no budget: the other instance still answers it.
    expect((await b.query(usersQuery(USERS.slice(6, 8)), undefined, AS_CONSOLE)).body.errors).toBeUndefined();
  });

  it('after instance A receives code 32, instance B learns it within a second and answers RATE_LIMITED with no upstream call', async () => {
    const [a, b] = [await start(callersEnv()), await start(callersEnv())];
    // B has read the shared state already: only the once-a-second reading lets it learn of A's.
    expect((await b.query(usersQuery([USERS[0]!]), undefined, AS_CONSOLE)).body.errors).toBeUndefined();

    emulator.injectFault({ error: GraphErrors.rateLimited(32) });
    const limited = await a.query(usersQuery([USERS[1]!]), undefined, AS_CONSOLE);
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 60 });
    emulator.reset();

    clock.advance(1);
    // B's next lookup starts the once-a-second read without waiting for it; what it learns applies to later lookups.
    await b.query(usersQuery([USERS[2]!]), undefined, AS_CONSOLE);
    const [page] = b.gateway.pages.all;
    await expect.poll(() => page!.throttle.blockedUntil, { timeout: 2000, interval: 10 }).toBeGreaterThan(clock.now());
    emulator.reset();
    const res = await b.query(usersQuery([USERS[3]!]), undefined, AS_CONSOLE);
    expect(codesByPath(res)).toEqual({ 'users.0.profile': 'RATE_LIMITED' });
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', scope: 'page', retryAfterSeconds: 59 });
    expect(emulator.requests).toHaveLength(0);

    // Keyed by the Page, never by its token; gone from the gateways' view once the back-off passes.
    const keys = (await redis.dump()).map((e) => e.key);
    expect(keys).toEqual([expect.stringMatching(/^messenger-profile:v1:throttle:token-[0-9a-f]{16}$/)]);
    expect(JSON.stringify(await redis.dump())).not.toContain(TOKEN);
    clock.advance(60);
    expect((await b.query(usersQuery([USERS[2]!]), undefined, AS_CONSOLE)).body.errors).toBeUndefined();
  });

  it('with Redis frozen, a budgeted caller pays one REDIS_TIMEOUT_MS now and then, not one per lookup', async () => {
    const gateway = await start({ ...callersEnv(100), REDIS_TIMEOUT_MS: '400' });
    const consumes = async () => Number(/^cmdstat_eval:calls=(\d+)/m.exec(String(await redis.command('INFO', 'commandstats')))?.[1] ?? 0);
    const before = await consumes();
    redis.freeze();
    try {
      for (const psid of USERS.slice(0, 6)) {
        expect((await gateway.query(usersQuery([psid]), undefined, AS_SYNC)).body.errors).toBeUndefined();
      }
    } finally {
      redis.thaw();
    }
    // The gateway's clock stands still: after the first timeout, budgets are counted locally. Every
    // command sent while frozen runs once Redis thaws: one budget script, not one per lookup.
    await expect.poll(consumes, { timeout: 3000, interval: 20 }).toBe(before + 1);
  });

  it('with Redis down, each instance keeps its own budgets and throttling, logs it once, and never fails a client for it', async () => {
    const logs = captureLogs();
    const gateway = await start({ ...callersEnv(2), LOG_LEVEL: 'warn' }, logs);
    await redis.kill();

    const bulk = await gateway.query(usersQuery(USERS.slice(0, 3)), undefined, AS_SYNC);
    expect(codesByPath(bulk)).toEqual({ 'users.2.profile': 'RATE_LIMITED' });
    expect(bulk.body.errors?.[0]?.extensions).toMatchObject({ scope: 'caller' });
    expect((await gateway.query(usersQuery(USERS.slice(3, 5)), undefined, AS_CONSOLE)).body.errors).toBeUndefined();

    emulator.injectFault({ error: GraphErrors.rateLimited(32) });
    await gateway.query(usersQuery([USERS[5]!]), undefined, AS_CONSOLE);
    emulator.reset();
    clock.advance(1);
    const blocked = await gateway.query(usersQuery([USERS[6]!]), undefined, AS_CONSOLE);
    expect(blocked.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'page' });
    expect(emulator.requests).toHaveLength(0);

    const outages = logs.lines().filter((l) => /Redis unavailable/.test(l.msg));
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ level: 40, store: 'redis' });
  });
});
