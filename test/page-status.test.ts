import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { codesByPath, DEMO_PSIDS, type Stack, useClockedStack } from './helpers.js';

const PETER = DEMO_PSIDS.peter;
const STATUS = `query($probe: ID) { pageStatus(probePsid: $probe) {
  pageId graphApiVersion throttledForSeconds breaker
  usage { callCount totalTime totalCputime header }
  fields { field graphField permission status }
} }`;

const { start, clock } = useClockedStack();

async function status(s: Stack, probe?: string) {
  const res = await s.query(STATUS, { probe });
  return { res, status: res.body.data?.pageStatus, field: (name: string) => res.body.data?.pageStatus.fields.find((f: { field: string }) => f.field === name) };
}

describe('pageStatus', () => {
  it('before any call: every field the version has is UNKNOWN, removed ones UNAVAILABLE_ON_VERSION, no usage, no upstream request', async () => {
    const s = await start();
    const { status: page } = await status(s);
    expect(page).toMatchObject({ pageId: null, graphApiVersion: 'v25.0', throttledForSeconds: 0, breaker: 'CLOSED', usage: null });
    expect(page.fields).toEqual([
      { field: 'firstName', graphField: 'first_name', permission: 'Business Asset User Profile Access', status: 'UNKNOWN' },
      { field: 'lastName', graphField: 'last_name', permission: 'Business Asset User Profile Access', status: 'UNKNOWN' },
      { field: 'name', graphField: 'name', permission: 'Business Asset User Profile Access', status: 'UNKNOWN' },
      { field: 'profilePic', graphField: 'profile_pic', permission: 'Business Asset User Profile Access', status: 'UNKNOWN' },
      { field: 'locale', graphField: 'locale', permission: 'pages_user_locale', status: 'UNKNOWN' },
      { field: 'timezone', graphField: 'timezone', permission: 'pages_user_timezone', status: 'UNKNOWN' },
      { field: 'gender', graphField: 'gender', permission: 'pages_user_gender', status: 'UNKNOWN' },
      { field: 'isPaymentEnabled', graphField: 'is_payment_enabled', permission: null, status: 'UNAVAILABLE_ON_VERSION' },
      { field: 'lastAdReferral', graphField: 'last_ad_referral', permission: null, status: 'UNAVAILABLE_ON_VERSION' },
    ]);
    expect(s.emulator.requests).toHaveLength(0);
  });

  it('reports PERMISSION_REQUIRED for locale after a lookup without pages_user_locale, and AVAILABLE for what it read', async () => {
    const s = await start({ emulator: { permissions: ['pages_user_timezone', 'pages_user_gender'] } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName locale timezone } } }`);
    const { field } = await status(s);
    expect(field('locale')).toEqual({ field: 'locale', graphField: 'locale', permission: 'pages_user_locale', status: 'PERMISSION_REQUIRED' });
    expect([field('firstName').status, field('timezone').status, field('gender').status]).toEqual(['AVAILABLE', 'AVAILABLE', 'UNKNOWN']);
  });

  it('forgets what it learnt after CAPABILITY_TTL_MS', async () => {
    const s = await start({ emulator: { permissions: [] }, env: { CAPABILITY_TTL_MS: '1000' } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName locale } } }`);
    expect((await status(s)).field('locale').status).toBe('PERMISSION_REQUIRED');
    clock.advance(1);
    expect((await status(s)).field('locale').status).toBe('UNKNOWN');
  });

  it('reports lastAdReferral AVAILABLE on v25.0 when webhook capture answers it', async () => {
    const s = await start({
      env: { WEBHOOK_VERIFY_TOKEN: 'v', APP_SECRET: 's', PAGE_ID: DEMO_PAGE_ID, DATA_DIR: mkdtempSync(join(tmpdir(), 'status-')) },
    });
    const { status: page, field } = await status(s);
    expect(page.pageId).toBe(DEMO_PAGE_ID);
    expect(field('lastAdReferral')).toEqual({ field: 'lastAdReferral', graphField: 'last_ad_referral', permission: null, status: 'AVAILABLE' });
    expect(field('isPaymentEnabled').status).toBe('UNAVAILABLE_ON_VERSION');
  });

  it('on v3.0 the removed fields are read from the Graph API like the others', async () => {
    const s = await start({ env: { GRAPH_API_VERSION: 'v3.0' }, emulator: { honorExpiredVersions: true } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName lastAdReferral { adId } } } }`);
    const { status: page, field } = await status(s);
    expect(page.graphApiVersion).toBe('v3.0');
    expect(field('lastAdReferral')).toMatchObject({ permission: 'Business Asset User Profile Access', status: 'AVAILABLE' });
    expect(field('isPaymentEnabled').status).toBe('UNKNOWN');
  });

  it('reports the usage figures the Graph API sent, never the raw header', async () => {
    const s = await start();
    const app = JSON.stringify({ call_count: 42, total_cputime: 7, total_time: 9 });
    s.emulator.injectFault({ headers: { 'x-app-usage': app, 'x-business-use-case-usage': '' } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    expect((await status(s)).status.usage).toEqual({ callCount: 42, totalTime: 9, totalCputime: 7, header: '{"call_count":42,"total_time":9,"total_cputime":7}' });

    // The business-use-case header wins, each figure at its highest entry; a regain time pauses calls.
    const buc = JSON.stringify({
      [DEMO_PAGE_ID]: [
        { type: 'messenger', call_count: 61, total_cputime: 12, total_time: 30, estimated_time_to_regain_access: 0 },
        { type: 'pages', call_count: 20, total_cputime: 40, total_time: 5, estimated_time_to_regain_access: 3 },
      ],
    });
    s.emulator.injectFault({ headers: { 'x-app-usage': app, 'x-business-use-case-usage': buc } });
    await s.query(`{ user(psid: "${DEMO_PSIDS.fractional}") { profile { firstName } } }`);
    const { status: page } = await status(s);
    expect(page.usage).toEqual({ callCount: 61, totalTime: 30, totalCputime: 40, header: '{"call_count":61,"total_time":30,"total_cputime":40}' });
    expect(JSON.stringify(page)).not.toContain('estimated_time_to_regain_access');
    expect(page.throttledForSeconds).toBe(180);
    clock.advance(60);
    expect((await status(s)).status.throttledForSeconds).toBe(120);
  });

  it('reports OPEN while the breaker is open, and CLOSED once a probe closes it', async () => {
    const s = await start({ env: { BREAKER_THRESHOLD: '2', BREAKER_COOLDOWN_MS: '10000', RETRY_MAX: '0' } });
    s.emulator.injectFault({ status: 503, rawBody: '', times: 2 });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    expect((await status(s)).status.breaker).toBe('CLOSED');
    await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    expect((await status(s)).status.breaker).toBe('OPEN');
    clock.advance(9);
    expect((await status(s)).status.breaker).toBe('OPEN');
    clock.advance(2);
    const res = await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    expect(res.body.errors).toBeUndefined();
    expect((await status(s)).status.breaker).toBe('CLOSED');
  });

  it('probePsid learns every field now, with one batch call past the cache', async () => {
    const s = await start({ emulator: { permissions: ['pages_user_locale', 'pages_user_timezone'] }, env: { PROFILE_CACHE_TTL: '300' } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    s.emulator.reset();
    const { res, field } = await status(s, PETER);
    expect(res.body.errors).toBeUndefined();
    expect(s.emulator.requests).toHaveLength(1);
    expect(s.emulator.subRequests.map((r) => r.fields?.join(','))).toEqual(['first_name,last_name,name,profile_pic', 'locale', 'timezone', 'gender']);
    expect(['firstName', 'lastName', 'name', 'profilePic', 'locale', 'timezone', 'gender'].map((f) => field(f).status)).toEqual([
      'AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'PERMISSION_REQUIRED',
    ]);
    // Remembered like a lookup's findings: the next lookup leaves gender out up front.
    s.emulator.reset();
    await s.query(`{ user(psid: "${DEMO_PSIDS.fractional}") { profile { firstName gender } } }`);
    expect(s.emulator.subRequests.map((r) => r.fields)).toEqual([['first_name']]);
  });

  it('a probe of a user without a profile learns what the permissions allow, and nothing about the basic fields', async () => {
    const s = await start({ emulator: { permissions: ['pages_user_locale'] } });
    const { res, field } = await status(s, DEMO_PSIDS.unauthorized);
    expect(res.body.errors).toBeUndefined();
    expect([field('firstName').status, field('locale').status, field('gender').status]).toEqual(['UNKNOWN', 'UNKNOWN', 'PERMISSION_REQUIRED']);
  });

  it('a probe that cannot reach the Graph API fails with its reason', async () => {
    const s = await start({ env: { RATE_LIMIT_BACKOFF_MS: '60000' } });
    s.emulator.injectFault({ headers: { 'x-app-usage': '{"call_count":100}', 'x-business-use-case-usage': JSON.stringify({ [DEMO_PAGE_ID]: [{ type: 'messenger', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 1 }] }) } });
    await s.query(`{ user(psid: "${PETER}") { profile { firstName } } }`);
    const { res } = await status(s, PETER);
    expect(codesByPath(res)).toEqual({ pageStatus: 'RATE_LIMITED' });
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('counts probePsid toward MAX_PSIDS_PER_OPERATION', async () => {
    const s = await start({ env: { MAX_PSIDS_PER_OPERATION: '1' } });
    const res = await s.query(`{ user(psid: "${PETER}") { psid } pageStatus(probePsid: "${DEMO_PSIDS.fractional}") { breaker } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toBe('This operation asks for 2 distinct PSIDs; at most 1 are allowed.');
    expect(s.emulator.requests).toHaveLength(0);
  });

  it('checks probePsid and pageId before any call, and sits behind the API keys', async () => {
    const s = await start({ env: { GATEWAY_API_KEYS: 'dashboard-key-0123456789' } });
    const auth = { authorization: 'Bearer dashboard-key-0123456789' };
    const bad = await s.query(STATUS, { probe: '../v25.0/me' }, auth);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'probePsid' });
    const unknown = await s.query(`{ pageStatus(pageId: "333") { breaker } }`, {}, auth);
    expect(codesByPath(unknown)).toEqual({ pageStatus: 'BAD_USER_INPUT' });
    const anonymous = await s.query(`{ pageStatus { breaker } }`);
    expect(anonymous.status).toBe(401);
    expect(s.emulator.requests).toHaveLength(0);
  });
});
