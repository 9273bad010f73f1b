import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers } from '../src/demo/emulator/data.js';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { AS_CONSOLE, AS_SYNC, callersEnv } from './callers.js';
import { codesByPath, DEMO_PSIDS, deliver, generatedPsid, referralDelivery, startGatewayFor, testClock, type TestClock, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const TOKEN = 'EAAG-redis-guard-Wm4c-page-token';
const SECRET = 'redis-guard-app-secret';
const PETER = DEMO_PSIDS.peter;
const profileAndReferral = (psid: string) => `{ user(psid: "${psid}") { profile { firstName lastAdReferral { adId } } } }`;
const down = /Redis unavailable/;
const up = /Redis answers again/;

/**
 * Every user of Redis on at once: the profile cache, a budgeted caller, the shared throttle (on
 * whenever REDIS_URL is set) and the referral store (webhook capture).
 */
describe('one Redis connection and one guard for every user of Redis', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  let clock: TestClock;
  let gateway: TestGateway;

  /** One use of each feature: a budgeted lookup (cache, budget, shared throttle), a referral stored and read. */
  const useEverything = async (n: number) => {
    const delivery = referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: n + 1, referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: `${n}`, ref: 'r' } }]);
    const delivered = await deliver(gateway.gateway.webhookUrl, delivery, SECRET);
    const read = await gateway.query(profileAndReferral(PETER), undefined, AS_CONSOLE);
    const budgeted = await gateway.query(profileAndReferral(generatedPsid(n)), undefined, AS_SYNC);
    return { delivered: delivered.status, read, budgeted };
  };

  beforeEach(async () => {
    clock = testClock();
    redis = await startRedis();
    emulator = await GraphEmulator.start({ appSecret: SECRET, pages: [{ id: DEMO_PAGE_ID, token: TOKEN, users: demoUsers() }] });
    gateway = await startGatewayFor(emulator, {
      env: {
        PAGE_ACCESS_TOKEN: TOKEN,
        APP_SECRET: SECRET,
        PAGE_ID: DEMO_PAGE_ID,
        WEBHOOK_VERIFY_TOKEN: 'v',
        PROFILE_CACHE_TTL: '300',
        REDIS_URL: redis.url,
        REDIS_TIMEOUT_MS: '200',
        LOG_LEVEL: 'info',
        ...callersEnv(100),
      },
      clock: clock.now,
    });
  });
  afterEach(async () => {
    redis.thaw();
    await gateway.close();
    await emulator.close();
    await redis.stop();
  });

  it('opens exactly one command connection, which all of them use', async () => {
    const { delivered, read, budgeted } = await useEverything(1);
    expect(delivered).toBe(200);
    expect(read.body.data?.user.profile).toEqual({ firstName: 'Peter', lastAdReferral: { adId: '1' } });
    expect(budgeted.body.errors).toBeUndefined();
    // A rate-limit code: the shared throttle writes the Page's block.
    emulator.injectFault({ error: GraphErrors.rateLimited(32) });
    await gateway.query(profileAndReferral(generatedPsid(2)), undefined, AS_CONSOLE);

    // Every connection but the one asking.
    const list = String(await redis.command('CLIENT', 'LIST')).trim().split('\n');
    expect(list.filter((line) => !/ cmd=client/.test(line))).toHaveLength(1);
    // Each feature did reach Redis over it.
    await expect
      .poll(async () => (await redis.dump()).map((e) => e.key), { timeout: 2000, interval: 20 })
      .toEqual(
        expect.arrayContaining([
          `messenger-profile:v1:page-${DEMO_PAGE_ID}:${PETER}`,
          `messenger-profile:v1:budget:crm-sync:page-${DEMO_PAGE_ID}`,
          `messenger-profile:v1:throttle:page-${DEMO_PAGE_ID}`,
          `mpg:referral:${DEMO_PAGE_ID}:${PETER}:ADS`,
        ]),
      );
  });

  it('logs one "down" and one "up" line per outage, killed or frozen, whichever feature meets it', async () => {
    expect((await useEverything(1)).delivered).toBe(200);

    await redis.kill();
    for (let i = 0; i < 3; i++) {
      const { delivered, read, budgeted } = await useEverything(10 + i);
      // What each user does without Redis: deliveries refused (Meta retries), referrals a field
      // error, profiles from the Graph API, budgets counted here.
      expect(delivered).toBe(500);
      expect(codesByPath(read)).toEqual({ 'user.profile.lastAdReferral': 'UPSTREAM_UNAVAILABLE' });
      expect(budgeted.body.data?.user.profile.firstName).toEqual(expect.any(String));
      clock.advance(20);
    }
    expect(gateway.logs.filter((l) => down.test(l.msg))).toEqual([expect.objectContaining({ level: 40, store: 'redis' })]);

    await redis.restart();
    // ioredis reconnects in the background; past each pause (the clock moves 20 s), one operation probes.
    for (let i = 0; i < 100 && !gateway.logs.some((l) => up.test(l.msg)); i++) {
      clock.advance(20);
      await useEverything(20 + i);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await useEverything(200)).delivered).toBe(200);
    expect(gateway.logs.filter((l) => down.test(l.msg))).toHaveLength(1);
    expect(gateway.logs.filter((l) => up.test(l.msg))).toEqual([expect.objectContaining({ level: 30, store: 'redis' })]);

    redis.freeze();
    for (let i = 0; i < 3; i++) {
      expect((await useEverything(300 + i)).delivered).toBe(500);
      clock.advance(20);
    }
    redis.thaw();
    await expect
      .poll(async () => {
        clock.advance(20);
        return (await useEverything(400)).delivered;
      }, { timeout: 5000, interval: 50 })
      .toBe(200);
    expect(gateway.logs.filter((l) => down.test(l.msg))).toHaveLength(2);
    expect(gateway.logs.filter((l) => up.test(l.msg))).toHaveLength(2);
  });
});
