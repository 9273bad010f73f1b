import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { AS_CONSOLE, AS_SYNC, callersEnv } from './callers.js';
import { codesByPath, DEMO_PSIDS, generatedPsid, startGatewayFor, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const PETER = DEMO_PSIDS.peter;
const refresh = (psid: string) => `mutation { refreshUser(psid: "${psid}") { psid } }`;

describe('refreshUser is charged to its caller and writes nothing for unknown users (Redis cache)', () => {
  let redis: RedisServer;
  let emulator: GraphEmulator;
  let gateway: TestGateway;
  beforeAll(async () => {
    redis = await startRedis();
    emulator = await GraphEmulator.start();
    gateway = await startGatewayFor(emulator, { env: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', PROFILE_CACHE_TTL: '300', ...callersEnv(3) } });
  });
  afterAll(async () => {
    await gateway.close();
    await emulator.close();
    await redis.stop();
  });

  it('a caller with its budget spent cannot make other callers\' cached users stale; refreshes of uncached users store nothing', async () => {
    await gateway.query(`{ user(psid: "${PETER}") { profile { firstName } } }`, {}, AS_CONSOLE);
    const before = (await redis.dump()).map((entry) => entry.key).filter((key) => !key.includes('budget'));

    for (let i = 0; i < 3; i++) {
      const res = await gateway.query(refresh(generatedPsid(900 + i)), {}, AS_SYNC);
      expect(res.body.errors).toBeUndefined();
    }
    // Only a marker that outlives a lookup under way (UPSTREAM_TIMEOUT_MS, 5 s, and 1 s of slack), not a 24 h entry.
    const markers = (await redis.dump()).filter((entry) => !entry.key.includes('budget') && !before.includes(entry.key));
    expect(markers).toHaveLength(3);
    for (const marker of markers) expect(marker.ttl).toBeLessThanOrEqual(6);

    const refused = await gateway.query(refresh(PETER), {}, AS_SYNC);
    expect(codesByPath(refused)).toEqual({ refreshUser: 'RATE_LIMITED' });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ scope: 'caller' });

    emulator.reset();
    const read = await gateway.query(`{ user(psid: "${PETER}") { profile { firstName } } }`, {}, AS_CONSOLE);
    expect(read.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
    expect(emulator.requests).toHaveLength(0);
  });
});
