import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, demoUsers, type UserRecord } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PSIDS, gate, generatedPsid, startGatewayFor, testClock, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

// Distinctive, so that finding it anywhere in Redis cannot be a coincidence.
const TOKEN = 'EAAG-redis-scan-Zq8mW3xT-page-token';
const PETER = DEMO_PSIDS.peter;
const profileQuery = (psid: string, selection: string) => `{ user(psid: "${psid}") { profile { ${selection} } } }`;
const refresh = (psid: string) => `mutation { refreshUser(psid: "${psid}") { psid } }`;

/** Peter under another first name, as after a rename. */
function renamedPeter(firstName: string): UserRecord {
  const peter = demoUsers().get(PETER);
  if (peter?.kind !== 'profile') throw new TypeError('the demo data has no profile for Peter');
  return { kind: 'profile', profile: { ...peter.profile, first_name: firstName } };
}

/** The value of one sample line of /metrics, e.g. gateway_cache_store_state{store="redis"}. */
async function sample(gateway: TestGateway, series: string): Promise<number | undefined> {
  const text = await gateway.gateway.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** GET commands Redis has served so far: cache reads, and shared-throttle reads. */
async function redisGets(redis: RedisServer): Promise<number> {
  const stats = String(await redis.command('INFO', 'commandstats'));
  return Number(/^cmdstat_get:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

describe('profile cache on Redis', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string> = {}, clock?: () => number) => {
    const gateway = await startGatewayFor(emulator, {
      env: { PAGE_ACCESS_TOKEN: TOKEN, PROFILE_CACHE_TTL: '300', REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', ...env },
      ...(clock ? { clock } : {}),
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

  it('100 concurrent operations for one cold user on one instance cost one sub-request', async () => {
    const gateway = await start();
    const gets = await redisGets(redis);
    const upstream = gate();
    emulator.injectFault({ until: upstream.promise });
    const responses = Promise.all(Array.from({ length: 100 }, () => gateway.query(profileQuery(PETER, 'firstName'))));
    // The Graph API answers once every other operation has joined the lookup under way.
    // The Graph API answers once every operation has read Redis (a miss) and so joined the lookup
    // under way: 100 cache reads, and the shared throttle's read before the one lookup upstream.
    await expect.poll(() => redisGets(redis), { timeout: 10_000, interval: 20 }).toBe(gets + 101);
    upstream.release();
    expect((await responses).every((r) => r.body.data?.user.profile.firstName === 'Peter')).toBe(true);
    expect(emulator.subRequests).toHaveLength(1);
    expect(await sample(gateway, 'gateway_cache_lookups_total{result="coalesced"}')).toBe(99);
  });

  it('100 concurrent operations for one cold user, spread over two instances, cost one sub-request per instance', async () => {
    const [a, b] = [await start(), await start()];
    const gets = await redisGets(redis);
    const upstream = gate();
    emulator.injectFault({ until: upstream.promise, times: 2 });
    const responses = Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).query(profileQuery(PETER, 'firstName'))));
    // Before any answer, every operation has read Redis (a miss) and joined its instance's lookup
    // under way: 100 cache reads, and each instance's shared-throttle read before going upstream.
    await expect.poll(() => redisGets(redis), { timeout: 10_000, interval: 20 }).toBe(gets + 102);
    upstream.release();
    expect((await responses).every((r) => r.body.data?.user.profile.firstName === 'Peter')).toBe(true);
    expect(emulator.subRequests).toHaveLength(2);
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
    const outage = gateway.logs.filter((l) => /Redis unavailable/.test(l.msg));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ level: 40, store: 'redis' });

    await redis.restart();
    // ioredis reconnects in the background with a backoff of its own (real time, not the gateway's clock).
    const recovered = async () => {
      await gateway.query(profileQuery(PETER, 'firstName'));
      return gateway.logs.some((l) => /Redis answers again/.test(l.msg));
    };
    await expect.poll(recovered, { timeout: 10_000, interval: 100 }).toBe(true);
    expect(gateway.logs.filter((l) => /Redis answers again/.test(l.msg))).toHaveLength(1);
    emulator.reset();
    // Cache writes are not awaited by the answer: the second read comes once the first write landed.
    const entries = async () => (await redis.dump()).filter((e) => e.value?.includes('first_name')).length;
    const before = await entries();
    await gateway.query(profileQuery(generatedPsid(40), 'firstName'));
    await expect.poll(entries, { timeout: 5_000, interval: 20 }).toBe(before + 1);
    await gateway.query(profileQuery(generatedPsid(40), 'firstName'));
    expect(emulator.subRequests).toHaveLength(1);
    expect(gateway.logs.filter((l) => /Redis unavailable/.test(l.msg))).toHaveLength(1);
  });

  it('keeps /readyz at 200 while Redis is down or frozen, its body saying whether the cache store answers a PING', async () => {
    const g = await start({ REDIS_TIMEOUT_MS: '200' });
    const readyz = async () => {
      const res = await fetch(g.gateway.url.replace('/graphql', '/readyz'));
      return { status: res.status, body: await res.json() };
    };
    const answering = (cacheStore: string) => ({ status: 200, body: { status: 'ready', ready: true, checks: {}, optional: { cacheStore } } });
    expect(await readyz()).toEqual(answering('ok'));
    await redis.kill();
    await expect.poll(readyz, { timeout: 5000, interval: 50 }).toEqual(answering('unavailable'));
    await redis.restart();
    await expect.poll(readyz, { timeout: 8000, interval: 100 }).toEqual(answering('ok'));
    // A frozen Redis keeps its connection open: only a timed PING tells.
    redis.freeze();
    expect(await readyz()).toEqual(answering('unavailable'));
    redis.thaw();
    await expect.poll(readyz, { timeout: 5000, interval: 50 }).toEqual(answering('ok'));
  });

  it('stops asking a frozen Redis after consecutive timeouts, probes it now and then, and logs outage and recovery once', async () => {
    const clock = testClock();
    const g = await start({ LOG_LEVEL: 'info', REDIS_TIMEOUT_MS: '300' }, clock.now);
    const state = () => sample(g, 'gateway_cache_store_state{store="redis"}');
    const failures = () => sample(g, 'gateway_cache_store_failures_total{store="redis"}');
    await g.query(profileQuery(PETER, 'firstName'));
    expect(await state()).toBe(0);
    redis.freeze();
    // The first operations wait for their timeouts; then the store is paused.
    for (let i = 0; i < 3; i++) await g.query(profileQuery(generatedPsid(i), 'firstName'));
    await expect.poll(state, { timeout: 3000, interval: 50 }).toBe(1);
    // Each of the three operations read once and wrote once: wait until each of those six store
    // operations has timed out or been skipped, so none still pending can count below.
    const skipped = () => sample(g, 'gateway_cache_store_skipped_total{store="redis"}');
    await expect.poll(async () => (await failures())! + (await skipped())!, { timeout: 3000, interval: 20 }).toBe(6);
    const failed = await failures();
    for (let i = 0; i < 20; i++) {
      const res = await g.query(profileQuery(generatedPsid(10 + i), 'firstName'));
      expect(res.body.data?.user.profile.firstName).toEqual(expect.any(String));
    }
    // Twenty operations asked Redis nothing (a read and a write skipped each), so none waited for it.
    expect(await failures()).toBe(failed);
    expect(await skipped()).toBe(6 - failed! + 40);

    // Once the pause is over, one operation probes; still frozen, so the pause starts again.
    clock.advance(60);
    await g.query(profileQuery(generatedPsid(40), 'firstName'));
    await expect.poll(failures, { timeout: 3000, interval: 50 }).toBe(failed! + 1);
    expect(await state()).toBe(1);

    redis.thaw();
    clock.advance(60);
    const probe = async () => {
      await g.query(profileQuery(PETER, 'firstName'));
      return state();
    };
    await expect.poll(probe, { timeout: 5000, interval: 50 }).toBe(0);
    expect(g.logs.filter((l) => /Redis unavailable/.test(l.msg))).toHaveLength(1);
    expect(g.logs.filter((l) => /Redis answers again/.test(l.msg))).toHaveLength(1);
  });

  it('answers without waiting for its cache write, and the next operation of the instance still hits', async () => {
    const g = await start({ REDIS_TIMEOUT_MS: '5000' });
    // Reads go on, writes (SET, scripts) wait: a Redis slow to write.
    await redis.command('CLIENT', 'PAUSE', '3000', 'WRITE');
    const res = await g.query(profileQuery(PETER, 'firstName'));
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(await redis.command('KEYS', '*')).toEqual([]);
    await redis.command('CLIENT', 'UNPAUSE');
    await expect.poll(async () => (await redis.dump()).length, { timeout: 3000, interval: 20 }).toBe(1);
    await g.query(profileQuery(PETER, 'firstName'));
    expect(emulator.subRequests).toHaveLength(1);
  });

  it('never loses a refresh to a concurrent write on another instance (renamed user, concurrent readers)', async () => {
    const [a, b] = [await start(), await start()];
    await a.query(profileQuery(PETER, 'firstName lastName'));
    emulator.setUser(PETER, renamedPeter('Pierre'));
    let refreshing = true;
    const readers = Array.from({ length: 4 }, async (_, i) => {
      while (refreshing) await b.query(profileQuery(PETER, i % 2 ? 'firstName' : 'firstName lastName'));
    });
    const REFRESHES = 150;
    for (let i = 0; i < REFRESHES; i++) await a.query(refresh(PETER));
    refreshing = false;
    await Promise.all(readers);
    const stored = JSON.parse((await redis.dump()).find((e) => e.key.endsWith(PETER))!.value!);
    expect(stored.generation).toBe(REFRESHES);
    for (const g of [a, b]) expect((await g.query(profileQuery(PETER, 'firstName'))).body.data?.user.profile.firstName).toBe('Pierre');
  });

  it('never stores as fresh what a lookup begun before a refresh brought back, even on another instance', async () => {
    const [a, b] = [await start(), await start()];
    emulator.injectFault({ delayMs: 400 });
    const slow = b.query(profileQuery(PETER, 'firstName'));
    await expect.poll(() => emulator.requests.length, { timeout: 2000, interval: 10 }).toBe(1);
    // The refresh lands while B's lookup is under way, on a user nothing is cached for yet.
    await a.query(refresh(PETER));
    expect((await slow).body.data?.user.profile.firstName).toBe('Peter');
    emulator.setUser(PETER, renamedPeter('Pierre'));
    emulator.reset();
    expect((await a.query(profileQuery(PETER, 'firstName'))).body.data?.user.profile.firstName).toBe('Pierre');
    // A's write is sent before its answer but not awaited (cache writes never delay an answer): B
    // reads once it has landed, which B's own late write of the old value must not have undone.
    const storedName = async () => JSON.parse((await redis.dump()).find((e) => e.key.endsWith(PETER))?.value ?? '{}').fields?.first_name?.value;
    await expect.poll(storedName, { timeout: 2000, interval: 10 }).toBe('Pierre');
    expect((await b.query(profileQuery(PETER, 'firstName'))).body.data?.user.profile.firstName).toBe('Pierre');
    expect(emulator.subRequests).toHaveLength(1);
  });

  it('answers from the Graph API when Redis hangs (bounded wait, no error)', async () => {
    const gateway = await start({ LOG_LEVEL: 'warn', REDIS_TIMEOUT_MS: '50' });
    redis.freeze();
    const res = await gateway.query(profileQuery(PETER, 'firstName'));
    expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    expect(gateway.logs.filter((l) => /Redis unavailable/.test(l.msg))).toHaveLength(1);
    expect(gateway.logs[0]?.reason).toMatch(/no answer within 50 ms|timed out/i);
  });

  it('starts and answers when Redis is down from the start', async () => {
    await redis.kill();
    const gateway = await start({ LOG_LEVEL: 'warn' });
    for (let i = 0; i < 3; i++) {
      const res = await gateway.query(profileQuery(PETER, 'firstName'));
      expect(res.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    }
    expect(gateway.logs.filter((l) => /Redis unavailable/.test(l.msg))).toHaveLength(1);
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
