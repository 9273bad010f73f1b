import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { captureLogs, codesByPath, DEMO_PAGE_TOKEN, DEMO_PSIDS, gatewayUrl, sample, useClockedStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const FIRST_NAME = (psid: string) => `{ user(psid: "${psid}") { profile { firstName } } }`;
const TOKEN_STATUS = '{ pageStatus { token { state reason expiresAt dataAccessExpiresAt scopes checkedAt } } }';
const CACHE_ON = { PROFILE_CACHE_TTL: '300', RETRY_MAX: '0', TOKEN_PROBE_INTERVAL_MS: '30000' };

const { start, clock } = useClockedStack({ env: CACHE_ON });

function tokenFile(token: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'token-')), 'page-token');
  writeFileSync(file, `${token}\n`);
  return file;
}

/** Replaces a file the way a secret mount does: a whole new file renamed over the old one. */
function replaceFile(file: string, contents: string): void {
  writeFileSync(`${file}.tmp`, contents);
  renameSync(`${file}.tmp`, file);
}

describe('a dead Page token', () => {
  it('after a 190/460, 50 lookups cost 1 upstream call (the probe), answer UPSTREAM_AUTH_FAILED with the reason, and serve stale values', async () => {
    const logs = captureLogs();
    const s = await start({ env: { LOG_LEVEL: 'error' }, logs });
    await s.query(FIRST_NAME(PETER));
    clock.advance(400); // past the TTL: Peter's name is now stale, but within PROFILE_STALE_TTL
    s.emulator.refuseToken(DEMO_PAGE_TOKEN, 460);
    s.emulator.reset();
    s.emulator.refuseToken(DEMO_PAGE_TOKEN, 460);

    const first = await s.query(FIRST_NAME(DEMO_PSIDS.fractional));
    expect(first.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', reason: 'password_changed' });
    expect(s.emulator.requests).toHaveLength(1);

    for (let i = 0; i < 25; i++) {
      const res = await s.query(FIRST_NAME(DEMO_PSIDS.fractional));
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', reason: 'password_changed' });
    }
    const stale = await s.query(FIRST_NAME(PETER));
    expect(stale.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } }, extensions: { stale: [{ path: ['user', 'profile'], ageSeconds: 400 }] } });
    expect(s.emulator.requests).toHaveLength(1);

    clock.advance(30); // TOKEN_PROBE_INTERVAL_MS: one lookup goes through as the probe
    for (let i = 0; i < 24; i++) await s.query(FIRST_NAME(DEMO_PSIDS.fractional));
    expect(s.emulator.requests).toHaveLength(2);

    const status = await s.query(TOKEN_STATUS);
    expect(status.body.data?.pageStatus.token).toMatchObject({ state: 'INVALID', reason: 'PASSWORD_CHANGED' });
    const errors = logs.lines().filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'password_changed' });
    expect(logs.raw.join('\n')).not.toContain(DEMO_PAGE_TOKEN);
    const metrics = await (await fetch(gatewayUrl(s, '/metrics'))).text();
    expect(sample(metrics, 'gateway_page_token_state{page="default",state="invalid"}')).toBe(1);
  });

  it('a probe that succeeds ends the state', async () => {
    const s = await start();
    s.emulator.refuseToken(DEMO_PAGE_TOKEN, 463);
    expect((await s.query(FIRST_NAME(PETER))).body.errors?.[0]?.extensions?.reason).toBe('expired');
    s.emulator.reset(); // the token works again
    clock.advance(30);
    expect((await s.query(FIRST_NAME(PETER))).body.errors).toBeUndefined();
    expect((await s.query(FIRST_NAME(DEMO_PSIDS.fractional))).body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(2);
    expect((await s.query(TOKEN_STATUS)).body.data?.pageStatus.token.state).toBe('VALID');
  });
});

describe('hot rotation', () => {
  it('a new token written to PAGE_ACCESS_TOKEN_FILE ends the invalid state with no restart, and no operation under load fails for another reason', async () => {
    const file = tokenFile(DEMO_PAGE_TOKEN);
    const s = await start({ env: { PAGE_ACCESS_TOKEN_FILE: file, PAGE_ID: DEMO_PAGE_ID, PROFILE_CACHE_TTL: '0' } });
    s.emulator.refuseToken(DEMO_PAGE_TOKEN, 460);
    expect(codesByPath(await s.query(FIRST_NAME(PETER)))).toEqual({ 'user.profile': 'UPSTREAM_AUTH_FAILED' });

    const codes: string[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        const res = await s.query(`{ users(psids: ["${PETER}", "${DEMO_PSIDS.fractional}"]) { profile { firstName } } }`);
        codes.push(...Object.values(codesByPath(res)));
      }
    })();
    s.emulator.addToken('ROTATED-PAGE-TOKEN');
    replaceFile(file, 'ROTATED-PAGE-TOKEN\n');
    await vi.waitFor(() => expect(s.gateway.pages.default?.token.state).toBe('valid'), { timeout: 1000, interval: 20 });
    running = false;
    await load;

    expect(new Set(codes)).toEqual(new Set(codes.length ? ['UPSTREAM_AUTH_FAILED'] : []));
    expect((await s.query(FIRST_NAME(PETER))).body.errors).toBeUndefined();
    expect(s.emulator.requests.at(-1)?.params.access_token).toBe('ROTATED-PAGE-TOKEN');
  });

  it('SIGHUP re-reads PAGES_FILE: tokens swap, the Page keeps its cache; an invalid file is refused and the running configuration stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pages-'));
    const file = join(dir, 'pages.json');
    writeFileSync(file, JSON.stringify({ [DEMO_PAGE_ID]: { token: DEMO_PAGE_TOKEN } }));
    const logs = captureLogs();
    const s = await start({ env: { PAGES_FILE: file, LOG_LEVEL: 'info' }, logs });
    await s.query(FIRST_NAME(PETER));
    s.emulator.reset();

    writeFileSync(file, '{"not json');
    process.emit('SIGHUP', 'SIGHUP');
    const refused = logs.lines().find((line) => line.level === 50);
    expect(refused).toMatchObject({ reason: expect.stringContaining('PAGES_FILE must be JSON') });
    expect((await s.query(FIRST_NAME(DEMO_PSIDS.fractional))).body.errors).toBeUndefined();
    expect(s.emulator.requests.at(-1)?.params.access_token).toBe(DEMO_PAGE_TOKEN);

    s.emulator.addToken('SECOND-PAGE-TOKEN');
    writeFileSync(file, JSON.stringify({ [DEMO_PAGE_ID]: { token: 'SECOND-PAGE-TOKEN' } }));
    process.emit('SIGHUP', 'SIGHUP');
    s.emulator.reset();
    s.emulator.addToken('SECOND-PAGE-TOKEN');
    // Peter is still cached: the Page's cache is keyed by its id, not its token.
    expect((await s.query(FIRST_NAME(PETER))).body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(0);
    expect((await s.query(FIRST_NAME(DEMO_PSIDS.unauthorized))).body.errors).toBeUndefined();
    expect(s.emulator.requests.map((r) => r.params.access_token)).toEqual(['SECOND-PAGE-TOKEN']);
    expect(logs.raw.join('\n')).not.toContain('SECOND-PAGE-TOKEN');
  });
});

describe('reloading callers and Pages', () => {
  it('a changed GATEWAY_CALLERS_FILE swaps the keys with no restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callers-'));
    const file = join(dir, 'callers.json');
    const callers = (key: string) => JSON.stringify({ console: { key, priority: 'interactive' } });
    writeFileSync(file, callers('first-console-key-0123'));
    const s = await start({ env: { GATEWAY_CALLERS_FILE: file } });
    const as = (key: string) => s.query(FIRST_NAME(PETER), {}, { authorization: `Bearer ${key}` });
    expect((await as('first-console-key-0123')).status).toBe(200);
    expect((await as('second-console-key-0123')).status).toBe(401);
    replaceFile(file, callers('second-console-key-0123'));
    await vi.waitFor(async () => expect((await as('second-console-key-0123')).status).toBe(200), { timeout: 1000, interval: 20 });
    expect((await as('first-console-key-0123')).status).toBe(401);
  });

  it('a Page added to PAGES_FILE is served, a Page removed is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pages-'));
    const file = join(dir, 'pages.json');
    const second = { id: '200000000000002', token: 'SECOND-PAGE-TOKEN', users: new Map([[PETER, { kind: 'unauthorized' as const }]]) };
    writeFileSync(file, JSON.stringify({ [DEMO_PAGE_ID]: { token: DEMO_PAGE_TOKEN } }));
    const s = await start({
      env: { PAGES_FILE: file },
      emulator: { pages: [{ id: DEMO_PAGE_ID, token: DEMO_PAGE_TOKEN, users: new Map([[PETER, { kind: 'unauthorized' as const }]]) }, second] },
    });
    const on = (pageId: string) => s.query(`{ user(psid: "${PETER}", pageId: "${pageId}") { profile { firstName } } }`);
    expect(codesByPath(await on(second.id))).toEqual({ user: 'BAD_USER_INPUT' });
    writeFileSync(file, JSON.stringify({ [second.id]: { token: second.token } }));
    process.emit('SIGHUP', 'SIGHUP');
    expect((await on(second.id)).body).toEqual({ data: { user: { profile: null } } });
    expect(codesByPath(await on(DEMO_PAGE_ID))).toEqual({ user: 'BAD_USER_INPUT' });
    expect(s.gateway.pages.all.map((page) => page.id)).toEqual([second.id]);
  });
});

describe('debug_token', () => {
  it('shows the expiry, data access expiry and scopes, warns of an expiry within 7 days, and exports the seconds left', async () => {
    const logs = captureLogs();
    const app = { id: '1517776481860111', secret: 'app-secret-for-debug-token' };
    const now = Math.floor(Date.now() / 1000);
    const s = await start({
      emulator: { app },
      env: { APP_ID: app.id, APP_SECRET: app.secret, LOG_LEVEL: 'warn' },
      logs,
    });
    // The first check ran at start, before this token info: set it, then check again as the timer would.
    s.emulator.setTokenInfo(DEMO_PAGE_TOKEN, { expiresAt: now + 3 * 86_400, dataAccessExpiresAt: now + 60 * 86_400, scopes: ['pages_messaging', 'pages_user_locale'] });
    await s.gateway.pages.default!.checkToken();
    const token = (await s.query(TOKEN_STATUS)).body.data?.pageStatus.token;
    expect(token).toMatchObject({
      state: 'VALID',
      reason: null,
      expiresAt: new Date((now + 3 * 86_400) * 1000).toISOString(),
      dataAccessExpiresAt: new Date((now + 60 * 86_400) * 1000).toISOString(),
      scopes: ['pages_messaging', 'pages_user_locale'],
    });
    // The Page token travelled in the form body only, with the app access token.
    const check = s.emulator.requests.at(-1)!;
    expect(check.url).not.toContain(DEMO_PAGE_TOKEN);
    expect(check.params.access_token).toBe(`${app.id}|${app.secret}`);
    const metrics = await (await fetch(gatewayUrl(s, '/metrics'))).text();
    expect(sample(metrics, 'gateway_page_token_expires_in_seconds{page="default"}')).toBeGreaterThan(2 * 86_400);
    expect(sample(metrics, 'gateway_page_token_expires_in_seconds{page="default"}')).toBeLessThanOrEqual(3 * 86_400);
    expect(logs.lines().filter((line) => line.level === 40 && /expires within 7 days/.test(line.msg))).toHaveLength(1);
    await s.gateway.pages.default!.checkToken(); // the same day: no second warning
    expect(logs.lines().filter((line) => line.level === 40)).toHaveLength(1);
    expect(logs.raw.join('\n')).not.toContain(app.secret);
  });
});
