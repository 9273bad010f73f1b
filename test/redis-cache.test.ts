import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PSIDS, generatedPsid, startGatewayFor, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

// Distinctive, so that finding it anywhere in Redis cannot be a coincidence.
const TOKEN = 'EAAG-redis-scan-Zq8mW3xT-page-token';
const PETER = DEMO_PSIDS.peter;
const profileQuery = (psid: string, selection: string) => `{ user(psid: "${psid}") { profile { ${selection} } } }`;

describe('profile cache on Redis', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const gateway = await startGatewayFor(emulator, {
      env: { PAGE_ACCESS_TOKEN: TOKEN, PROFILE_CACHE_TTL: '300', REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', ...env },
    });
    gateways.push(gateway);
    return gateway;
  };

  beforeEach(async () => {
    redis = await startRedis();
    emulator = await GraphEmulator.start({ pages: [{ id: DEMO_PAGE_ID, token: TOKEN, users: demoUsers() }] });
  });
  afterEach(async () => {
    redis.thaw();
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await emulator.close();
    await redis.stop();
  });

  it('two instances share it: a repeated query costs one upstream sub-request in total', async () => {
    const [a, b] = [await start(), await start()];
    const first = await a.query(profileQuery(PETER, 'firstName lastName'));
    const second = await b.query(profileQuery(PETER, 'firstName lastName'));
    expect(second.body).toEqual(first.body);
    expect(second.body).toEqual({ data: { user: { profile: { firstName: 'Peter', lastName: 'Chang' } } } });
    expect(emulator.subRequests).toHaveLength(1);
    // The other instance adds what it fetched for the fields nobody had.
    await b.query(profileQuery(PETER, 'firstName locale'));
    await a.query(profileQuery(PETER, 'locale lastName'));
    expect(emulator.subRequests.map((s) => s.fields)).toEqual([['first_name', 'last_name'], ['locale']]);
  });

  it('a refresh on one instance makes the other one read again', async () => {
    const [a, b] = [await start(), await start()];
    await a.query(profileQuery(PETER, 'firstName'));
    await b.query(`mutation { refreshUser(psid: "${PETER}") { psid } }`);
    await a.query(profileQuery(PETER, 'firstName'));
    expect(emulator.subRequests).toHaveLength(2);
  });

  it('100 concurrent operations for one cold user on one instance cost at most 2 sub-requests', async () => {
    const gateway = await start();
    emulator.injectFault({ delayMs: 200 });
    const responses = await Promise.all(Array.from({ length: 100 }, () => gateway.query(profileQuery(PETER, 'firstName'))));
    expect(responses.every((r) => r.body.data?.user.profile.firstName === 'Peter')).toBe(true);
    expect(emulator.subRequests.length).toBeGreaterThanOrEqual(1);
    expect(emulator.subRequests.length).toBeLessThanOrEqual(2);
  });

  it('100 concurrent operations for one cold user, spread over two instances, cost at most 2 sub-requests', async () => {
    const [a, b] = [await start(), await start()];
    emulator.injectFault({ delayMs: 200, times: 2 });
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).query(profileQuery(PETER, 'firstName'))),
    );
    expect(responses.every((r) => r.body.data?.user.profile.firstName === 'Peter')).toBe(true);
    expect(emulator.subRequests.length).toBeGreaterThanOrEqual(1);
    expect(emulator.subRequests.length).toBeLessThanOrEqual(2);
  });

  it('keeps answering when Redis is killed mid-run, logs the outage once, and uses Redis again when it is back', async () => {
    const gateway = await start({ LOG_LEVEL: 'info', REDIS_TIMEOUT_MS: '100' });
    const psids = [PETER, generatedPsid(1), generatedPsid(2)];
    const all = `query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }`;
    await gateway.query(all, { p: psids });
    await redis.kill();

    for (let i = 0; i < 10; i++) {
      const res = await gateway.query(all, { p: [...psids, generatedPsid(10 + i)] });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.users.every((u: { profile: unknown }) => u.profile !== null)).toBe(true);
    }
    const outage = gateway.logs.filter((l) => /store unavailable/.test(l.msg));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ level: 40, store: 'redis' });

    await redis.restart();
    // ioredis reconnects in the background with a backoff of its own.
    for (let i = 0; i < 100 && !gateway.logs.some((l) => /answers again/.test(l.msg)); i++) {
      await gateway.query(profileQuery(PETER, 'firstName'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(gateway.logs.filter((l) => /answers again/.test(l.msg))).toHaveLength(1);
    emulator.reset();
    await gateway.query(profileQuery(generatedPsid(40), 'firstName'));
    await gateway.query(profileQuery(generatedPsid(40), 'firstName'));
    expect(emulator.subRequests).toHaveLength(1);
    expect(gateway.logs.filter((l) => /store unavailable/.test(l.msg))).toHaveLength(1);
  });

  it('reports Redis on /readyz: 503 while it is down, 200 once it is back', async () => {
    const g = await start();
    const ready = async () => (await fetch(g.gateway.url.replace('/graphql', '/readyz'))).status;
    expect(await ready()).toBe(200);
    await redis.kill();
    await expect.poll(ready, { timeout: 5000, interval: 50 }).toBe(503);
    await redis.restart();
    await expect.poll(ready, { timeout: 8000, interval: 100 }).toBe(200);
  });

  it('answers from the Graph API when Redis hangs (bounded wait, no error)', async () => {
    const gateway = await start({ LOG_LEVEL: 'warn', REDIS_TIMEOUT_MS: '50' });
    redis.freeze();
    const res = await gateway.query(profileQuery(PETER, 'firstName'));
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(gateway.logs.filter((l) => /store unavailable/.test(l.msg))).toHaveLength(1);
    expect(gateway.logs[0]?.reason).toMatch(/no answer within 50 ms|timed out/i);
  });

  it('starts and answers when Redis is down from the start', async () => {
    await redis.kill();
    const gateway = await start({ LOG_LEVEL: 'warn' });
    for (let i = 0; i < 3; i++) {
      const res = await gateway.query(profileQuery(PETER, 'firstName'));
      expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    }
    expect(gateway.logs.filter((l) => /store unavailable/.test(l.msg))).toHaveLength(1);
  });

  it('never holds the token in a key or a value; keys are (page, PSID) and expire', async () => {
    const gateway = await start();
    await gateway.query(`{ users(psids: ["${PETER}", "${DEMO_PSIDS.unauthorized}", "${DEMO_PSIDS.phoneOnly}", "${DEMO_PSIDS.deleted}"]) {
      profile { firstName lastName name profilePic locale timezone gender } } }`);
    await gateway.query(`mutation { refreshUser(psid: "${PETER}") { profile { firstName } } }`);
    const entries = await redis.dump();
    expect(entries.map((e) => e.key.split(':').pop()).sort()).toEqual([PETER, DEMO_PSIDS.unauthorized, DEMO_PSIDS.phoneOnly].sort());
    for (const { key, value, ttl } of entries) {
      expect(key).toMatch(/^messenger-profile:v1:token-[0-9a-f]{16}:\d+$/);
      expect(key).not.toContain(TOKEN);
      expect(value).not.toContain(TOKEN);
      expect(value).not.toMatch(/access_token|appsecret/);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86_400);
    }
    const peter = JSON.parse(entries.find((e) => e.key.endsWith(PETER))!.value!);
    expect(peter.fields.first_name).toMatchObject({ value: 'Peter' });
    expect(peter.generation).toBe(1);
  });

  it('keys by PAGE_ID when it is set', async () => {
    const gateway = await start({ PAGE_ID: DEMO_PAGE_ID });
    await gateway.query(profileQuery(PETER, 'firstName'));
    expect((await redis.dump()).map((e) => e.key)).toEqual([`messenger-profile:v1:page-${DEMO_PAGE_ID}:${PETER}`]);
  });
});
