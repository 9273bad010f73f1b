import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IGSIDS, DEMO_PAGE_ID, DEMO_PAGE_TOKEN, DEMO_PSIDS } from '../src/demo/emulator/data.js';
import { GraphEmulator } from '../src/demo/emulator/server.js';

async function batch(emulator: GraphEmulator, urls: string[], extra: Record<string, string> = {}, version = 'v25.0') {
  const form = new URLSearchParams({
    access_token: DEMO_PAGE_TOKEN,
    batch: JSON.stringify(urls.map((relative_url) => ({ method: 'GET', relative_url }))),
    ...extra,
  });
  const res = await fetch(`${emulator.url}/${version}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('Graph API emulator', () => {
  let emulator: GraphEmulator;
  beforeAll(async () => {
    emulator = await GraphEmulator.start();
  });
  afterAll(() => emulator.close());

  it('answers a batch in request order with string bodies and per-entry codes', async () => {
    const res = await batch(emulator, [`${DEMO_PSIDS.peter}?fields=first_name,timezone`, '9999999999999999?fields=first_name']);
    expect(res.status).toBe(200);
    expect(res.body[0].code).toBe(200);
    expect(res.body[0].headers).toEqual([{ name: 'Content-Type', value: 'text/javascript; charset=UTF-8' }]);
    expect(JSON.parse(res.body[0].body)).toEqual({ first_name: 'Peter', timezone: -7, id: DEMO_PSIDS.peter });
    expect(res.body[1].code).toBe(400);
    expect(JSON.parse(res.body[1].body).error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
  });

  it('omits entry headers with include_headers=false', async () => {
    const res = await batch(emulator, [`${DEMO_PSIDS.peter}?fields=first_name`], { include_headers: 'false' });
    expect(res.body[0]).toEqual({ code: 200, body: expect.any(String) });
  });

  it('refuses more than 50 sub-requests with code 100', async () => {
    const res = await batch(emulator, Array.from({ length: 51 }, () => `${DEMO_PSIDS.peter}?fields=first_name`));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100, type: 'OAuthException' });
    expect(res.body.error.fbtrace_id).toEqual(expect.any(String));
  });

  it('fails the sub-request for fields removed in v3.2, on current and expired versions', async () => {
    for (const version of ['v25.0', 'v2.6']) {
      const res = await batch(emulator, [`${DEMO_PSIDS.peter}?fields=first_name,last_ad_referral`], {}, version);
      const error = JSON.parse(res.body[0].body).error;
      expect(error).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (last_ad_referral) on node type (MessengerPageScopedID)' });
    }
  });

  it('answers 2018247 (403 inside a batch) for a field whose permission is missing', async () => {
    emulator.setPermissions(['pages_user_timezone', 'pages_user_gender']);
    try {
      const res = await batch(emulator, [`${DEMO_PSIDS.peter}?fields=first_name,locale`]);
      expect(res.body[0].code).toBe(403);
      expect(JSON.parse(res.body[0].body).error).toMatchObject({
        code: 100,
        error_subcode: 2018247,
        message: '(#100) Insufficient permission to access user profile.',
      });
    } finally {
      emulator.setPermissions(['pages_user_locale', 'pages_user_timezone', 'pages_user_gender', 'instagram_basic', 'instagram_manage_messages']);
    }
  });

  it('answers 190 for an unknown token and 104 for none', async () => {
    const bad = await batch(emulator, ['1?fields=first_name'], { access_token: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
    const none = await fetch(`${emulator.url}/v25.0/`, { method: 'POST', body: new URLSearchParams({ batch: '[]' }) });
    expect(((await none.json()) as any).error.code).toBe(104);
  });

  it('no longer serves GET /?ids=', async () => {
    const res = await fetch(`${emulator.url}/v25.0/?ids=${DEMO_PSIDS.peter}&access_token=${DEMO_PAGE_TOKEN}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe(100);
  });

  it('serves single GET lookups and sends usage headers', async () => {
    const res = await fetch(`${emulator.url}/v25.0/${DEMO_PSIDS.fractional}?fields=timezone&access_token=${DEMO_PAGE_TOKEN}`);
    expect(await res.json()).toEqual({ timezone: 5.5, id: DEMO_PSIDS.fractional });
    const app = JSON.parse(res.headers.get('x-app-usage') ?? '{}');
    expect(app).toEqual({ call_count: expect.any(Number), total_cputime: expect.any(Number), total_time: expect.any(Number) });
    const buc = JSON.parse(res.headers.get('x-business-use-case-usage') ?? '{}');
    expect(buc[DEMO_PAGE_ID][0]).toMatchObject({ type: 'messenger', estimated_time_to_regain_access: 0 });
  });

  it('answers "no profile" in the documented ways', async () => {
    const res = await batch(emulator, [DEMO_PSIDS.unauthorized, DEMO_PSIDS.revoked, DEMO_PSIDS.phoneOnly, DEMO_PSIDS.deleted].map((p) => `${p}?fields=first_name`));
    expect(JSON.parse(res.body[0].body)).toEqual({});
    expect(JSON.parse(res.body[1].body)).toEqual({ id: DEMO_PSIDS.revoked });
    expect(JSON.parse(res.body[2].body).error).toMatchObject({ code: 100, error_subcode: 2018218 });
    expect(JSON.parse(res.body[3].body).error).toMatchObject({ code: 100, error_subcode: 2018001 });
  });

  it('serves IGSIDs of the linked Instagram account: fields by version, consent (230, HTTP 403), blocks, 9010, permissions', async () => {
    const res = await batch(emulator, [
      `${DEMO_IGSIDS.usernameOnly}?fields=name,username,profile_pic,follower_count`,
      `${DEMO_IGSIDS.noConsent}?fields=name`,
      `${DEMO_IGSIDS.blocked}?fields=name`,
      `${DEMO_IGSIDS.full}?fields=first_name`,
    ]);
    expect(JSON.parse(res.body[0].body)).toEqual({ id: DEMO_IGSIDS.usernameOnly, name: null, username: 'k.tanaka', profile_pic: null, follower_count: 12 });
    expect(res.body[1].code).toBe(403);
    expect(JSON.parse(res.body[1].body).error).toMatchObject({ code: 230, message: '(#230) User consent is required to access user profile' });
    expect(JSON.parse(res.body[2].body)).toEqual({ id: DEMO_IGSIDS.blocked });
    expect(JSON.parse(res.body[3].body).error.message).toBe('(#100) Tried accessing nonexisting field (first_name) on node type (InstagramUser)');

    const old = await batch(emulator, [`${DEMO_IGSIDS.full}?fields=username`, `${DEMO_IGSIDS.full}?fields=follower_count`], {}, 'v11.0');
    // v11.0 has expired: served as the oldest live version, which has both.
    expect(old.body.map((entry: { code: number }) => entry.code)).toEqual([200, 200]);

    emulator.setInstagramUser('6620000000000077', { kind: 'deleted' });
    emulator.setPermissions(['instagram_basic']);
    try {
      const denied = await batch(emulator, ['6620000000000077?fields=name', `${DEMO_PSIDS.peter}?fields=first_name`]);
      expect(JSON.parse(denied.body[0].body).error).toMatchObject({ code: 200, message: '(#200) Requires instagram_manage_messages permission' });
      expect(denied.body[1].code).toBe(200);
    } finally {
      emulator.setPermissions(['pages_user_locale', 'pages_user_timezone', 'pages_user_gender', 'instagram_basic', 'instagram_manage_messages']);
    }
    const deleted = await batch(emulator, ['6620000000000077?fields=name']);
    expect(JSON.parse(deleted.body[0].body).error).toMatchObject({ code: 9010, message: '(#9010) No matching Instagram user' });
  });
});

describe('Graph API emulator serving expired versions as asked', () => {
  it('an IGSID has no follower_count before v12.0 and no username before v14.0', async () => {
    const emulator = await GraphEmulator.start({ honorExpiredVersions: true });
    try {
      const v11 = await batch(emulator, [`${DEMO_IGSIDS.full}?fields=name,follower_count`], {}, 'v11.0');
      expect(JSON.parse(v11.body[0].body).error.message).toContain('nonexisting field (follower_count)');
      const v13 = await batch(emulator, [`${DEMO_IGSIDS.full}?fields=follower_count`, `${DEMO_IGSIDS.full}?fields=username`], {}, 'v13.0');
      expect(v13.body.map((entry: { code: number }) => entry.code)).toEqual([200, 400]);
    } finally {
      await emulator.close();
    }
  });
});

describe('Graph API emulator with Require App Secret', () => {
  let emulator: GraphEmulator;
  beforeAll(async () => {
    emulator = await GraphEmulator.start({ appSecret: 's3cret' });
  });
  afterAll(() => emulator.close());

  it('checks appsecret_proof', async () => {
    const url = `${DEMO_PSIDS.peter}?fields=first_name`;
    const missing = await batch(emulator, [url]);
    expect(missing.body.error).toMatchObject({ code: 100, message: expect.stringMatching(/appsecret_proof/) });
    const wrong = await batch(emulator, [url], { appsecret_proof: 'ab'.repeat(32) });
    expect(wrong.body.error).toMatchObject({ code: 100, message: expect.stringMatching(/Invalid appsecret_proof/) });
    const proof = createHmac('sha256', 's3cret').update(DEMO_PAGE_TOKEN).digest('hex');
    const right = await batch(emulator, [url], { appsecret_proof: proof });
    expect(right.body[0].code).toBe(200);
  });
});

describe('Graph API emulator: tokens, debug_token, compression', () => {
  const app = { id: '1517776481860111', secret: 'emulator-app-secret' };
  let emulator: GraphEmulator;
  beforeAll(async () => {
    emulator = await GraphEmulator.start({ app, pageCallBudget: 2 });
  });
  afterAll(() => emulator.close());

  it('refuses a dead token with 190 and its subcode; a rotated token works', async () => {
    emulator.refuseToken(DEMO_PAGE_TOKEN, 460);
    const dead = await batch(emulator, [`${DEMO_PSIDS.peter}?fields=first_name`]);
    expect(dead.status).toBe(400);
    expect(dead.body.error).toMatchObject({ code: 190, error_subcode: 460, type: 'OAuthException' });
    emulator.addToken('NEW-TOKEN');
    const res = await fetch(`${emulator.url}/v25.0/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: 'NEW-TOKEN', batch: JSON.stringify([{ method: 'GET', relative_url: `${DEMO_PSIDS.peter}?fields=first_name` }]) }),
    });
    expect(((await res.json()) as { code: number }[])[0]?.code).toBe(200);
    emulator.reset();
  });

  it('answers debug_token for the app access token, in a batch or as documented', async () => {
    emulator.setTokenInfo(DEMO_PAGE_TOKEN, { expiresAt: 1_900_000_000, dataAccessExpiresAt: 1_800_000_000, scopes: ['pages_messaging'] });
    const form = new URLSearchParams({ access_token: `${app.id}|${app.secret}`, batch: JSON.stringify([{ method: 'GET', relative_url: `debug_token?input_token=${DEMO_PAGE_TOKEN}` }]) });
    const res = await fetch(`${emulator.url}/v25.0/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const [entry] = (await res.json()) as { code: number; body: string }[];
    expect(JSON.parse(entry!.body).data).toMatchObject({ is_valid: true, expires_at: 1_900_000_000, data_access_expires_at: 1_800_000_000, scopes: ['pages_messaging'], profile_id: DEMO_PAGE_ID });
    emulator.refuseToken(DEMO_PAGE_TOKEN, 463);
    const get = await fetch(`${emulator.url}/v25.0/debug_token?input_token=${DEMO_PAGE_TOKEN}&access_token=${encodeURIComponent(`${app.id}|${app.secret}`)}`);
    expect(((await get.json()) as { data: unknown }).data).toMatchObject({ is_valid: false, error: { code: 190, subcode: 463 } });
    emulator.reset();
  });

  it('gzips when asked, says Vary: Accept-Encoding, and reports usage above 100 %', async () => {
    const res = await batch(emulator, Array.from({ length: 5 }, () => `${DEMO_PSIDS.peter}?fields=first_name`), {});
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    // fetch asks for gzip and inflates it itself.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const buc = JSON.parse(res.headers.get('x-business-use-case-usage')!);
    expect(buc[DEMO_PAGE_ID][0].call_count).toBe(250);
    emulator.reset();
  });
});
