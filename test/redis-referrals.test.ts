import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { codesByPath, DEMO_PSIDS, deliver, referralDelivery, startGatewayFor, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const TOKEN = 'EAAG-referral-redis-Kp2v-page-token';
const SECRET = 'referral-redis-app-secret';
const PETER = DEMO_PSIDS.peter;
const Q = `{ user(psid: "${PETER}") { profile { lastAdReferral { source type adId } } } }`;
const ad = (adId: string) => ({ source: 'ADS', type: 'OPEN_THREAD', ad_id: adId, ref: 'r' });

describe('referral store on Redis', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const gateway = await startGatewayFor(emulator, {
      env: { PAGE_ACCESS_TOKEN: TOKEN, APP_SECRET: SECRET, PAGE_ID: DEMO_PAGE_ID, WEBHOOK_VERIFY_TOKEN: 'v', REDIS_URL: redis.url, ...env },
    });
    gateways.push(gateway);
    return gateway;
  };
  const webhookOf = (g: TestGateway) => g.gateway.url.replace('/graphql', '/webhook');

  beforeEach(async () => {
    redis = await startRedis();
    emulator = await GraphEmulator.start({ appSecret: SECRET, pages: [{ id: DEMO_PAGE_ID, token: TOKEN, users: demoUsers() }] });
  });
  afterEach(async () => {
    redis.thaw();
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await emulator.close();
    await redis.stop();
  });

  it('is shared by instances, keeps the latest across them, and survives a gateway restart', async () => {
    const [a, b] = [await start(), await start()];
    expect((await deliver(webhookOf(a), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 200, referral: ad('222') }]), SECRET)).status).toBe(200);
    // A late delivery of an older event reaches the other instance.
    expect((await deliver(webhookOf(b), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 100, referral: ad('111') }]), SECRET)).status).toBe(200);
    expect((await b.query(Q)).body).toEqual({ data: { user: { profile: { lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '222' } } } } });

    await Promise.all(gateways.splice(0).map((g) => g.close()));
    const c = await start();
    expect((await c.query(Q)).body.data?.user.profile.lastAdReferral).toEqual({ source: 'ADS', type: 'OPEN_THREAD', adId: '222' });
  });

  it('holds no token or secret, and answers a delivery it cannot store with 500 so Meta retries', async () => {
    const g = await start();
    await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 1, referral: ad('333') }]), SECRET);
    const dump = JSON.stringify(await redis.dump());
    expect(dump).toContain('333');
    expect(dump).not.toContain(TOKEN);
    expect(dump).not.toContain(SECRET);

    await redis.kill();
    const refused = await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 2, referral: ad('444') }]), SECRET);
    expect(refused.status).toBe(500);
    const res = await g.query(Q);
    expect(codesByPath(res)).toEqual({ 'user.profile.lastAdReferral': 'UPSTREAM_UNAVAILABLE' });
  });

  it('bounds reads and writes of a frozen Redis by REDIS_TIMEOUT_MS', async () => {
    const g = await start({ REDIS_TIMEOUT_MS: '300' });
    await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 1, referral: ad('555') }]), SECRET);
    // Frozen until the test ends: only the gateway's own bound can answer the read and the write.
    redis.freeze();
    const res = await g.query(Q);
    expect(codesByPath(res)).toEqual({ 'user.profile.lastAdReferral': 'UPSTREAM_UNAVAILABLE' });
    const refused = await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 2, referral: ad('666') }]), SECRET);
    expect(refused.status).toBe(500);
  });

  it('is never wedged by a timestamp: an infinite one is skipped, and a stored value without a usable one is replaced', async () => {
    const g = await start();
    const infinite = JSON.stringify(referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 0, referral: ad('777') }])).replace('"timestamp":0', '"timestamp":1e400');
    expect((await deliver(webhookOf(g), infinite, SECRET)).status).toBe(200);
    expect((await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: PETER, timestamp: 5, referral: ad('888') }]), SECRET)).status).toBe(200);
    expect((await g.query(Q)).body.data?.user.profile.lastAdReferral).toEqual({ source: 'ADS', type: 'OPEN_THREAD', adId: '888' });

    // Values an older version (or a hand edit) left behind.
    const other = '7000000000000003';
    for (const [i, stored] of ['{"timestamp":null}', '{"timestamp":"soon"}', 'not json', `{"timestamp":${Number.MAX_VALUE}}`].entries()) {
      await redis.command('SET', `mpg:referral:${DEMO_PAGE_ID}:${other}:ADS`, stored);
      const delivered = await deliver(webhookOf(g), referralDelivery(DEMO_PAGE_ID, [{ psid: other, timestamp: 10 + i, referral: ad(`9${i}`) }]), SECRET);
      expect(delivered.status).toBe(200);
      const res = await g.query(`{ user(psid: "${other}") { profile { lastAdReferral { adId } } } }`);
      expect(res.body.data?.user.profile.lastAdReferral).toEqual({ adId: `9${i}` });
    }
    // Read before any delivery replaces it, such a value is no referral, not an error.
    const third = '7000000000000004';
    await redis.command('SET', `mpg:referral:${DEMO_PAGE_ID}:${third}:ADS`, 'not json');
    const res = await g.query(`{ user(psid: "${third}") { profile { lastAdReferral { adId } } } }`);
    expect(res.body).toEqual({ data: { user: { profile: { lastAdReferral: null } } } });
  });
});
