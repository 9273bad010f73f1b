import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID, DEMO_PAGE_TOKEN, demoUsers } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PSIDS, gate, generatedPsid, startGatewayFor, testClock, WITHOUT_RESILIENCE, type TestClock, type TestGateway } from './helpers.js';
import { startRedis, type RedisServer } from './redis.js';

const KEY = 'avatar-signing-key-for-tests-0123456789';
const OLD_KEY = 'an-older-avatar-signing-key-0123456789';
const API_KEY = 'caller-key-for-avatar-tests-0001';
const PETER = DEMO_PSIDS.peter;
const THREE_DAYS = 3 * 24 * 3600;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('avatarUrl and /avatars', () => {
  let emulator: GraphEmulator;
  let clock: TestClock;
  const closers: (() => Promise<void>)[] = [];

  async function start(env: Record<string, string> = {}, options: { emulatorClock?: () => number } = {}): Promise<TestGateway> {
    clock = testClock();
    emulator = await GraphEmulator.start({ servePictures: true, clock: options.emulatorClock ?? clock.now });
    closers.push(() => emulator.close());
    return startOn(emulator, env);
  }

  async function startOn(on: GraphEmulator, env: Record<string, string> = {}): Promise<TestGateway> {
    const gateway = await startGatewayFor(on, {
      env: { AVATAR_SIGNING_KEY: KEY, AVATAR_HOSTS: new URL(on.url).host, GATEWAY_API_KEYS: API_KEY, ...WITHOUT_RESILIENCE, ...env },
      clock: () => clock.now(),
    });
    closers.unshift(() => gateway.close());
    return gateway;
  }

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function avatarUrl(gateway: TestGateway, psid: string = PETER): Promise<string> {
    const res = await gateway.query(`{ user(psid: "${psid}") { profile { avatarUrl } } }`, {}, { authorization: `Bearer ${API_KEY}` });
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.user.profile.avatarUrl;
  }

  async function results(gateway: TestGateway): Promise<Record<string, number>> {
    const text = await gateway.gateway.metrics.registry.metrics();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^gateway_avatar_requests_total\{result="(\w+)"\} (\d+)/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  }

  it('loads as image/png with no key, on the gateway origin, naming no PSID; profile_pic is asked once for both fields', async () => {
    const gateway = await start();
    const res = await gateway.query(`{ user(psid: "${PETER}") { profile { profilePic avatarUrl } } }`, {}, { authorization: `Bearer ${API_KEY}` });
    const url: string = res.body.data?.user.profile.avatarUrl;
    expect(emulator.subRequests.map((s) => s.fields)).toEqual([['profile_pic']]);
    expect(url.startsWith(new URL(gateway.gateway.url).origin + '/avatars/')).toBe(true);
    expect(url).not.toContain(PETER);
    expect(url).toMatch(/\?sig=[\w-]{43}$/);
    // Stable: the same user gets the same URL, so browsers cache it.
    expect(await avatarUrl(gateway)).toBe(url);

    const picture = await fetch(url);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(picture.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(picture.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await picture.arrayBuffer()).subarray(0, 4)).toEqual(PNG);
    expect(emulator.pictureRequests).toHaveLength(1);
    const metrics = await gateway.gateway.metrics.registry.metrics();
    expect(Number(/^gateway_avatar_cache_bytes\{store="memory"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toContain('gateway_avatar_requests_total{result="unavailable"} 0');
    expect(metrics).not.toContain(KEY);
    // Two queries, then the cold load's own read (the profile cache is off in this suite).
    expect(emulator.subRequests.map((s) => s.fields)).toEqual([['profile_pic'], ['profile_pic'], ['profile_pic']]);
  });

  it('is null without a picture, and an error naming AVATAR_SIGNING_KEY when avatars are off', async () => {
    const gateway = await start();
    emulator.setUser('8200000000000001', { kind: 'profile', profile: { ...profileOf(PETER), profile_pic: '' } });
    const none = await gateway.query(`{ user(psid: "8200000000000001") { profile { firstName avatarUrl } } }`, {}, { authorization: `Bearer ${API_KEY}` });
    expect(none.body.data?.user.profile).toEqual({ firstName: 'Peter', avatarUrl: null });

    const off = await startOn(emulator, { AVATAR_SIGNING_KEY: '' });
    const res = await off.query(`{ user(psid: "${PETER}") { profile { avatarUrl } } }`, {}, { authorization: `Bearer ${API_KEY}` });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FIELD_UNAVAILABLE', field: 'avatarUrl' });
    expect((await fetch(new URL('/avatars/x?sig=y', off.gateway.url))).status).toBe(404);
  });

  it('after the picture URL expired: one refresh (one lookup, one CDN fetch), then cached', async () => {
    const gateway = await start();
    const url = await avatarUrl(gateway);
    const first = Buffer.from(await (await fetch(url)).arrayBuffer());
    emulator.reset();
    clock.advance(THREE_DAYS + 60);

    const again = await fetch(url);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(first);
    expect(emulator.subRequests.map((s) => s.fields)).toEqual([['profile_pic']]);
    expect(emulator.pictureRequests).toHaveLength(1);
    expect(emulator.pictureRequests[0]).toContain(`ext=${Math.floor(clock.now() / 1000) + THREE_DAYS}`);

    expect((await fetch(url)).status).toBe(200);
    expect(emulator.subRequests).toHaveLength(1);
    expect(emulator.pictureRequests).toHaveLength(1);
    expect(await results(gateway)).toMatchObject({ fetched: 1, refreshed: 1, hit: 1 });
  });

  it('a CDN 403 on a URL from the profile cache reads profile_pic again from the Graph API', async () => {
    // The CDN's clock runs three days ahead: the cached URL looks valid to the gateway, the CDN refuses it.
    let ahead = 0;
    const gateway = await start({ PROFILE_CACHE_TTL: '86400' }, { emulatorClock: () => clock.now() + ahead });
    const url = await avatarUrl(gateway);
    ahead = (THREE_DAYS + 60) * 1000;
    emulator.reset();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    // The first fetch met 403 (URL signature expired), the second the new URL.
    expect(emulator.pictureRequests).toHaveLength(2);
    expect(emulator.subRequests.map((s) => s.fields)).toEqual([['profile_pic']]);
  });

  it('a tampered, foreign or expired signature is 403 with no upstream work; a listed old key still verifies', async () => {
    const gateway = await start({ AVATAR_URL_TTL: '600' });
    const url = new URL(await avatarUrl(gateway));
    emulator.reset();
    const sig = url.searchParams.get('sig')!;
    const tampered = [
      new URL(url.href.replace(sig, `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`)),
      new URL(url.href.replace(/\/avatars\/([\w-])/, (_m, c: string) => `/avatars/${c === 'A' ? 'B' : 'A'}`)),
      new URL(url.href.replace(/exp=(\d+)/, (_m, exp: string) => `exp=${Number(exp) + 3600}`)),
      new URL(url.href.replace(/[?&]exp=\d+/, '')),
    ];
    for (const bad of tampered) expect((await fetch(bad)).status, bad.href).toBe(403);

    const foreign = await startOn(emulator, { AVATAR_SIGNING_KEY: OLD_KEY });
    const foreignUrl = await avatarUrl(foreign);
    emulator.reset();
    expect((await fetch(new URL(new URL(foreignUrl).pathname + new URL(foreignUrl).search, gateway.gateway.url))).status).toBe(403);

    clock.advance(2 * 3600);
    expect((await fetch(url)).status).toBe(403);
    expect(emulator.requests).toHaveLength(0);
    expect(emulator.pictureRequests).toHaveLength(0);
    expect(await results(gateway)).toMatchObject({ refused: 6 });

    // Rotation: the new key first, the old one listed after it.
    const rotated = await startOn(emulator, { AVATAR_SIGNING_KEY: `${KEY},${OLD_KEY}` });
    const oldUrl = await avatarUrl(foreign);
    expect((await fetch(new URL(new URL(oldUrl).pathname + new URL(oldUrl).search, rotated.gateway.url))).status).toBe(200);
  });

  it('never fetches a picture host outside the allowlist', async () => {
    const gateway = await start();
    const other = await pictureServer();
    closers.push(other.close);
    emulator.setUser('8200000000000002', { kind: 'profile', profile: { ...profileOf(PETER), profile_pic: `${other.url}/p.png` } });
    const url = await avatarUrl(gateway, '8200000000000002');
    const res = await fetch(url);
    expect(res.status).toBe(502);
    expect(other.hits()).toBe(0);
  });

  it('on an allowed host, fetches only raster images within AVATAR_MAX_BYTES and AVATAR_FETCH_TIMEOUT_MS', async () => {
    let answer: Answer = { type: 'text/html', body: Buffer.from('<script>alert(1)</script>') };
    const cdn = await pictureServer(() => answer);
    closers.push(cdn.close);
    await start();
    const gateway = await startOn(emulator, { AVATAR_HOSTS: new URL(cdn.url).host, AVATAR_MAX_BYTES: '1024', AVATAR_FETCH_TIMEOUT_MS: '200' });
    emulator.setUser('8200000000000003', { kind: 'profile', profile: { ...profileOf(PETER), profile_pic: `${cdn.url}/p` } });
    const url = await avatarUrl(gateway, '8200000000000003');
    const statusWith = async (next: Answer) => {
      answer = next;
      const res = await fetch(url);
      await res.arrayBuffer();
      return res.status;
    };
    expect(await statusWith({ type: 'text/html', body: Buffer.from('<script>alert(1)</script>') })).toBe(503);
    expect(await statusWith({ type: 'image/svg+xml', body: Buffer.from('<svg onload="alert(1)"/>') })).toBe(503);
    expect(await statusWith({ type: 'image/png', body: Buffer.concat([PNG, Buffer.alloc(4096)]) })).toBe(503);
    expect(await statusWith('never')).toBe(503);
    expect(await statusWith({ type: 'image/png', body: PNG })).toBe(200);
    expect(cdn.hits()).toBe(5);
  });

  it('Graph API down: the last good bytes, with a short max-age', async () => {
    const gateway = await start();
    const url = await avatarUrl(gateway);
    const first = Buffer.from(await (await fetch(url)).arrayBuffer());
    clock.advance(THREE_DAYS + 60);
    emulator.injectFault({ status: 500, rawBody: '{"error":{"code":2,"is_transient":true}}', times: 5 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(first);
    expect(await results(gateway)).toMatchObject({ stale: 1 });
  });

  it('304 on a matching ETag, without a body', async () => {
    const gateway = await start();
    const url = await avatarUrl(gateway);
    const etag = (await fetch(url)).headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const res = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(etag);
    expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('100 concurrent loads of one cold avatar: one lookup, one CDN fetch', async () => {
    const gateway = await start();
    const url = await avatarUrl(gateway);
    emulator.reset();
    const held = gate();
    emulator.holdPictures(held.promise);
    const loads = Array.from({ length: 100 }, () => fetch(url).then(async (r) => ({ status: r.status, size: (await r.arrayBuffer()).byteLength })));
    await waitFor(() => emulator.pictureRequests.length === 1);
    held.release();
    const answers = await Promise.all(loads);
    expect(answers.every((a) => a.status === 200 && a.size > 0)).toBe(true);
    expect(emulator.pictureRequests).toHaveLength(1);
    expect(emulator.subRequests).toHaveLength(1);
    // Those that arrived while the fetch was held joined it (fetched); any later ones were cache hits.
    const { fetched = 0, hit = 0 } = await results(gateway);
    expect(fetched + hit).toBe(100);
    expect(fetched).toBeGreaterThan(1);
  });

  it('a user who revoked access stops being served, and no old bytes stand in for them', async () => {
    const gateway = await start();
    const url = await avatarUrl(gateway);
    expect((await fetch(url)).status).toBe(200);
    emulator.setUser(PETER, { kind: 'unauthorized', idOnly: true });
    clock.advance(THREE_DAYS + 60);
    expect((await fetch(url)).status).toBe(404);
    emulator.injectFault({ status: 500, rawBody: '{"error":{"code":2,"is_transient":true}}', times: 5 });
    expect((await fetch(url)).status).toBe(503);
    expect(await results(gateway)).toMatchObject({ not_found: 1, unavailable: 1 });
  });

  it('a flood of distinct users is bounded by AVATAR_LOOKUPS_PER_MINUTE', async () => {
    const gateway = await start({ AVATAR_LOOKUPS_PER_MINUTE: '3' });
    const urls = await Promise.all([0, 1, 2, 3, 4].map((i) => avatarUrl(gateway, generatedPsid(i))));
    emulator.reset();
    const statuses = [];
    for (const url of urls) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(emulator.subRequests).toHaveLength(3);
  });
});

describe('avatars with Redis', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it('after a restart, another instance serves the bytes from Redis with no lookup and no CDN fetch', async () => {
    redis = await startRedis();
    const clock = testClock();
    const emulator = await GraphEmulator.start({ servePictures: true, clock: clock.now, pages: [{ id: DEMO_PAGE_ID, token: DEMO_PAGE_TOKEN, users: demoUsers() }] });
    const env = { AVATAR_SIGNING_KEY: KEY, AVATAR_HOSTS: new URL(emulator.url).host, REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', PAGE_ID: DEMO_PAGE_ID };
    try {
      const a = await startGatewayFor(emulator, { env, clock: clock.now });
      const res = await a.query(`{ user(psid: "${PETER}") { profile { avatarUrl } } }`);
      const url = new URL(res.body.data?.user.profile.avatarUrl);
      const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
      await a.close();
      const keys = await redis.dump();
      expect(keys.map((k) => k.key)).toContain(`messenger-profile:v1:avatar:page-${DEMO_PAGE_ID}:m:${PETER}`);
      expect(keys.every((k) => k.ttl > 0)).toBe(true);

      emulator.reset();
      const b = await startGatewayFor(emulator, { env, clock: clock.now });
      try {
        const again = await fetch(new URL(url.pathname + url.search, b.gateway.url));
        expect(again.status).toBe(200);
        expect(Buffer.from(await again.arrayBuffer())).toEqual(bytes);
        expect(emulator.requests).toHaveLength(0);
        expect(emulator.pictureRequests).toHaveLength(0);
      } finally {
        await b.close();
      }
    } finally {
      await emulator.close();
    }
  });
});

function profileOf(psid: string) {
  const record = demoUsers().get(psid);
  if (record?.kind !== 'profile') throw new TypeError(`no demo profile for ${psid}`);
  return record.profile;
}

type Answer = { type: string; body: Buffer } | 'never';

/** A picture server on another loopback port, which counts what it is asked and answers `answer`. */
async function pictureServer(answer: () => Answer = () => ({ type: 'image/png', body: PNG })): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    const a = answer();
    if (a === 'never') return;
    res.writeHead(200, { 'content-type': a.type });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close };
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
