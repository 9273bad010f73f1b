import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { captureLogs, DEMO_PAGE_TOKEN, DEMO_PSIDS, gatewayUrl, startStack, type CapturedLogs, type Stack } from './helpers.js';

const SECRET = 'app-secret-for-log-tests';
const PROOF = createHmac('sha256', SECRET).update(DEMO_PAGE_TOKEN).digest('hex');
const API_KEY = 'caller-key-0123456789abcdef';
const METRICS_KEY = 'metrics-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${API_KEY}` };
const ODD_PSID = '8000000000000009';

describe('operation logs', () => {
  let stack: Stack;
  let logs: CapturedLogs;
  beforeAll(async () => {
    logs = captureLogs();
    stack = await startStack({
      emulator: { appSecret: SECRET },
      env: { LOG_LEVEL: 'trace', APP_SECRET: SECRET, GATEWAY_API_KEYS: API_KEY, METRICS_API_KEY: METRICS_KEY },
      logs,
    });
  });
  afterAll(() => stack.close());

  const operationLines = (requestId: string) => logs.lines().filter((l) => l.msg === 'operation' && l.requestId === requestId);

  it('writes one line per operation with its name, outcome, upstream requests and duration, under the caller\'s x-request-id', async () => {
    const psids = Array.from({ length: 51 }, (_, i) => `70000000000001${String(i).padStart(2, '0')}`);
    const res = await stack.query('query Cards($psids: [ID!]!) { users(psids: $psids) { profile { firstName } } }', { psids }, {
      ...AUTH,
      'x-request-id': 'req-cards-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-cards-1');
    const lines = operationLines('req-cards-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      operation: 'Cards',
      outcome: 'success',
      status: 200,
      upstreamRequests: 2,
      upstreamSubRequests: 51,
      durationMs: expect.any(Number),
    });
  });

  it('generates a request id when none (or a malformed one) is sent, and logs refusals too', async () => {
    const res = await stack.query(`{ user(psid: "${DEMO_PSIDS.peter}") { psid } }`, undefined, { 'x-request-id': 'has spaces and "quotes"' });
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(operationLines(id)).toEqual([
      expect.objectContaining({ operation: '(none)', outcome: 'unauthenticated', status: 401, upstreamRequests: 0, errorCodes: ['UNAUTHENTICATED'] }),
    ]);
  });

  it('names the operation in the log line as the metrics label it', async () => {
    await stack.query(`{ user(psid: "${DEMO_PSIDS.peter}") { psid } }`, undefined, { ...AUTH, 'x-request-id': 'req-anonymous' });
    expect(operationLines('req-anonymous')[0]).toMatchObject({ operation: '(anonymous)', outcome: 'success' });
  });

  it('counts a 406 (an Accept Apollo checks after executing) as rejected, with its code, in the log line and the metrics', async () => {
    const res = await fetch(gatewayUrl(stack, '/graphql'), {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json', accept: 'text/html', 'x-request-id': 'req-406' },
      body: JSON.stringify({ query: `query NotAcceptable { user(psid: "${DEMO_PSIDS.peter}") { psid } }` }),
    });
    expect(res.status).toBe(406);
    expect(operationLines('req-406')).toEqual([
      expect.objectContaining({ operation: 'NotAcceptable', outcome: 'rejected', status: 406, errorCodes: ['BAD_REQUEST'] }),
    ]);
    const metrics = await (await fetch(gatewayUrl(stack, '/metrics'), { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
    expect(metrics).toContain('gateway_operations_total{operation="NotAcceptable",outcome="rejected"} 1');
    expect(metrics).not.toContain('gateway_operations_total{operation="NotAcceptable",outcome="success"}');
  });

  it('logs the code of a CSRF refusal', async () => {
    const res = await fetch(gatewayUrl(stack, '/graphql'), {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'text/plain', 'x-request-id': 'req-csrf' },
      body: JSON.stringify({ query: `{ user(psid: "${DEMO_PSIDS.peter}") { psid } }` }),
    });
    expect(res.status).toBe(400);
    expect(operationLines('req-csrf')).toEqual([
      expect.objectContaining({ operation: '(none)', outcome: 'rejected', status: 400, errorCodes: ['BAD_REQUEST'] }),
    ]);
  });

  it('tags lines logged while serving a request with its request id', async () => {
    stack.emulator.setUser(ODD_PSID, { kind: 'error', error: () => ({ status: 400, error: { message: 'Odd', type: 'OAuthException', code: 12345 } }) });
    await stack.query(`query Odd { user(psid: "${ODD_PSID}") { profile { firstName } } }`, undefined, { ...AUTH, 'x-request-id': 'req-odd' });
    const masked = logs.lines().find((l) => l.msg === 'internal error masked' && l.requestId === 'req-odd');
    expect(masked?.err?.details?.code).toBe(12345);
    expect(operationLines('req-odd')[0]).toMatchObject({ operation: 'Odd', outcome: 'partial', errorCodes: ['INTERNAL_SERVER_ERROR'] });
  });

  it('never prints the token, the app secret, its proof or any key, even when an upstream answer echoes them', async () => {
    // An upstream that echoes credentials back: the details the gateway logs then contain them.
    stack.emulator.setUser(ODD_PSID, {
      kind: 'error',
      error: () => ({ status: 400, error: { message: 'x', type: `OAuth ${API_KEY}`, code: 12345, fbtrace_id: `${DEMO_PAGE_TOKEN}/${SECRET}/${PROOF}` } }),
    });
    await stack.query(`{ user(psid: "${ODD_PSID}") { profile { firstName } } }`, undefined, AUTH);
    await stack.query(`{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`, undefined, { authorization: 'Bearer wrong-key-0123456789' });
    await fetch(gatewayUrl(stack, '/metrics'), { headers: { authorization: `Bearer ${METRICS_KEY}` } });

    const all = logs.raw.join('\n');
    expect(all).toContain('[redacted]');
    for (const secret of [DEMO_PAGE_TOKEN, SECRET, PROOF, API_KEY, METRICS_KEY]) expect(all).not.toContain(secret);
  });
});

describe('the operation line (written without the redaction walk)', () => {
  const TOKEN = 'EAABopsLineSecretToken0123';
  let stack: Stack;
  let logs: CapturedLogs;
  beforeAll(async () => {
    logs = captureLogs();
    stack = await startStack({ env: { LOG_LEVEL: 'info', PAGE_ACCESS_TOKEN: TOKEN }, logs });
  });
  afterAll(() => stack.close());

  it('still never prints a secret a caller echoes in its request id or operation name', async () => {
    // Both are valid shapes (a request id of word characters, a GraphQL name), so both reach the line.
    await stack.query(`query ${TOKEN} { user(psid: "${DEMO_PSIDS.peter}") { psid } }`, undefined, { 'x-request-id': TOKEN });
    const lines = logs.raw.filter((line) => line.includes('"msg":"operation"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TOKEN);
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: '[redacted]', operation: '[redacted]', outcome: 'success' });
  });
});

describe('createLogger', () => {
  it('redacts access_token, appsecret_proof and authorization by key, at any of the first levels', () => {
    const logs = captureLogs();
    const logger = createLogger({ logLevel: 'info', nodeEnv: 'production' }, logs.stream);
    logger.info({ access_token: 'T1', req: { headers: { authorization: 'Bearer T2' } }, a: { b: { c: { appsecret_proof: 'T3' } } } }, 'x');
    const [line] = logs.lines();
    expect(line).toMatchObject({ access_token: '[redacted]', req: { headers: { authorization: '[redacted]' } }, a: { b: { c: { appsecret_proof: '[redacted]' } } } });
    expect(logs.raw.join('')).not.toMatch(/T1|T2|T3/);
  });

  it('scrubs configured secrets from messages and error stacks', () => {
    const logs = captureLogs();
    const token = 'EAAB-scrub-me-please';
    const logger = createLogger({ logLevel: 'info', nodeEnv: 'production', pageAccessToken: token }, logs.stream);
    logger.fatal({ err: new Error(`boom ${token}`) }, `crash with ${encodeURIComponent(token)} and "${token}"`);
    expect(logs.raw.join('')).not.toContain(token);
    expect(logs.lines()[0]?.err?.message).toBe('boom [redacted]');
  });
});
