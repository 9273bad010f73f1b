import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import { GraphErrors } from '../src/demo/emulator/graph-errors.js';
import { codesByPath, deliver, DEMO_PSIDS, generatedPsid, referralDelivery, useStack, WITHOUT_RESILIENCE } from './helpers.js';

// Answer shapes recorded from the real Graph API (GRAPH_API.md, docs/graph-api-notes.md), each as the gateway must read it.
const PETER = DEMO_PSIDS.peter;
const FIRST_NAME = (psid: string) => `{ user(psid: "${psid}") { profile { firstName } } }`;
const SECRET = 'real-answers-app-secret';

describe('real Graph API answers', () => {
  const s = useStack({
    env: {
      ...WITHOUT_RESILIENCE,
      RETRY_MAX: '2',
      RETRY_BASE_MS: '0',
      UPSTREAM_MAX_RESPONSE_BYTES: '65536',
      WEBHOOK_VERIFY_TOKEN: 'verify',
      APP_SECRET: SECRET,
      PAGE_ID: DEMO_PAGE_ID,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'real-answers-')),
    },
  });

  it('(#230) "User consent is required" is no profile, while "(#230) Requires pages_messaging permission" is PERMISSION_REQUIRED', async () => {
    const never = generatedPsid(1);
    const denied = generatedPsid(2);
    s.emulator.setUser(never, { kind: 'error', error: GraphErrors.consentRequired });
    s.emulator.setUser(denied, { kind: 'error', error: GraphErrors.requiresPagesMessaging });
    expect((await s.query(FIRST_NAME(never))).body).toEqual({ data: { user: { profile: null } } });
    expect(codesByPath(await s.query(FIRST_NAME(denied)))).toEqual({ 'user.profile': 'PERMISSION_REQUIRED' });
  });

  it('"Unsupported get request. Object with ID … does not exist" without subcode 33 is NOT_FOUND', async () => {
    const gone = generatedPsid(3);
    s.emulator.setUser(gone, { kind: 'error', error: () => GraphErrors.legacyObjectNotFound(gone) });
    expect(codesByPath(await s.query(FIRST_NAME(gone)))).toEqual({ 'user.profile': 'NOT_FOUND' });
  });

  it('a batch entry with code 200 and an error body is that error, not a null profile', async () => {
    s.emulator.injectFault({ entryShape: 'error-with-200' });
    expect(codesByPath(await s.query(FIRST_NAME('9999999999999999')))).toEqual({ 'user.profile': 'NOT_FOUND' });
  });

  it('a batch entry whose code is the string "200" is read as 200', async () => {
    s.emulator.injectFault({ entryShape: 'string-code' });
    expect((await s.query(FIRST_NAME(PETER))).body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
  });

  it('code 4 with is_transient: true is RATE_LIMITED and not retried', async () => {
    s.emulator.injectFault({ error: GraphErrors.rateLimitedTransient() });
    expect(codesByPath(await s.query(FIRST_NAME(PETER)))).toEqual({ 'user.profile': 'RATE_LIMITED' });
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('code 1 "reduce the amount of data" splits the batch in two and asks again once, not repeated as is', async () => {
    s.emulator.injectFault({ error: GraphErrors.reduceData() });
    const psids = [PETER, DEMO_PSIDS.fractional, DEMO_PSIDS.unauthorized];
    const res = await s.query(`{ users(psids: ${JSON.stringify(psids)}) { profile { firstName } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(s.emulator.requests.map((r) => r.batch?.length)).toEqual([3, 2, 1]);
  });

  it('code 1 "reduce the amount of data" for one user is not retried', async () => {
    s.emulator.injectFault({ error: GraphErrors.reduceData(), times: 5 });
    expect(codesByPath(await s.query(FIRST_NAME(PETER)))).toEqual({ 'user.profile': 'UPSTREAM_UNAVAILABLE' });
    expect(s.emulator.requests).toHaveLength(1);
  });

  it('asks for gzip or deflate and reads the compressed answer', async () => {
    expect((await s.query(FIRST_NAME(PETER))).body.errors).toBeUndefined();
    expect(s.emulator.requests[0]?.acceptEncoding).toBe('gzip, deflate');
  });

  it('refuses a gzip bomb instead of inflating it past UPSTREAM_MAX_RESPONSE_BYTES', async () => {
    s.emulator.injectFault({ gzipBomb: 50 * 1024 * 1024, times: 3 });
    const res = await s.query(FIRST_NAME(PETER));
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: expect.stringContaining('ERR_BUFFER_TOO_LARGE') });
  });

  it('reads X-Page-Usage (above 100 % too) into pageStatus', async () => {
    s.emulator.injectFault({ headers: { 'x-page-usage': '{"call_count":855,"total_cputime":3,"total_time":125}', 'x-app-usage': '', 'x-business-use-case-usage': '' } });
    await s.query(FIRST_NAME(PETER));
    const status = await s.query('{ pageStatus { usage { callCount totalTime header } } }');
    expect(status.body.data?.pageStatus.usage).toMatchObject({ callCount: 855, totalTime: 125 });
  });

  it('reads a handover standby event like messaging: its referral is recorded; pass/take_thread_control are ignored', async () => {
    const psid = generatedPsid(4);
    const delivery = referralDelivery(DEMO_PAGE_ID, [{ psid, timestamp: 1_700_000_000_000, referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433' } }]);
    const entry = delivery.entry[0]!;
    const standby = {
      ...delivery,
      entry: [
        {
          id: entry.id,
          time: entry.time,
          standby: entry.messaging,
          messaging: [
            { sender: { id: psid }, recipient: { id: DEMO_PAGE_ID }, timestamp: 1, pass_thread_control: { new_owner_app_id: '123', metadata: 'x' } },
            { sender: { id: psid }, recipient: { id: DEMO_PAGE_ID }, timestamp: 2, take_thread_control: { previous_owner_app_id: '123' } },
          ],
        },
      ],
    };
    expect(await deliver(s.gateway.webhookUrl, standby, SECRET)).toEqual({ status: 200, text: 'EVENT_RECEIVED' });
    const res = await s.query(`{ user(psid: "${psid}") { profile { lastAdReferral { adId } } } }`);
    expect(res.body.data?.user.profile?.lastAdReferral).toEqual({ adId: '6045246247433' });
  });
});
