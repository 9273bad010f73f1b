import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { codesByPath, DEMO_PSIDS, generatedPsid, useStack } from './helpers.js';

const OPERATOR_KEY = 'operator-key-0123456789abcdef';
const SYNC_KEY = 'crm-sync-key-0123456789abcdef';
const AS_OPERATOR = { authorization: `Bearer ${OPERATOR_KEY}` };
const AS_SYNC = { authorization: `Bearer ${SYNC_KEY}` };
const CALLERS = {
  ops: { key: OPERATOR_KEY, priority: 'interactive', lookupsPerMinute: 6, operator: true },
  'crm-sync': { key: SYNC_KEY, priority: 'bulk', lookupsPerMinute: 20 },
};
const probe = (psid: string) => `{ pageStatus(probePsid: "${psid}") { breaker } }`;
// A probe asks one sub-request per permission group of the version's fields.
const PROBE_SUB_REQUESTS = 4;

describe('pageStatus(probePsid:) belongs to its caller and pays', () => {
  const stack = useStack({ env: { GATEWAY_CALLERS: JSON.stringify(CALLERS), LOG_LEVEL: 'info' } });

  it('refuses a caller without the operator capability, alike for a user who exists and one who does not, with no upstream call', async () => {
    const known = await stack.query(probe(DEMO_PSIDS.peter), {}, AS_SYNC);
    const unknown = await stack.query(probe(generatedPsid(999_999)), {}, AS_SYNC);
    expect(codesByPath(known)).toEqual({ pageStatus: 'FORBIDDEN' });
    expect(known.body).toEqual(unknown.body);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('charges an operator probe to the operation and the caller budget, one probe per operation', async () => {
    const twice = await stack.query(`{ a: pageStatus(probePsid: "${DEMO_PSIDS.peter}") { breaker } b: pageStatus(probePsid: "${DEMO_PSIDS.fractional}") { breaker } }`, {}, AS_OPERATOR);
    expect(codesByPath(twice)).toEqual({ b: 'BAD_USER_INPUT' });
    expect(stack.emulator.requests).toHaveLength(1);
    const line = stack.logs.findLast((l) => l.msg === 'operation');
    expect(line).toMatchObject({ caller: 'ops', upstreamRequests: 1, upstreamSubRequests: PROBE_SUB_REQUESTS });

    // 6 per minute: 4 spent, so the next probe's 4 sub-requests pass only in part, and one more is refused whole.
    stack.emulator.reset();
    await stack.query(probe(DEMO_PSIDS.peter), {}, AS_OPERATOR);
    expect(stack.emulator.subRequests).toHaveLength(2);
    const spent = await stack.query(probe(DEMO_PSIDS.peter), {}, AS_OPERATOR);
    expect(codesByPath(spent)).toEqual({ pageStatus: 'RATE_LIMITED' });
    expect(spent.body.errors?.[0]?.extensions).toMatchObject({ scope: 'caller' });
    expect(stack.emulator.subRequests).toHaveLength(2);
  });
});

describe('GATEWAY_CALLERS names and capabilities', () => {
  it('refuses the names of the gateway\'s own lookups, and an operator flag that is not a boolean', () => {
    const callers = (value: object) => () => loadConfig({ GATEWAY_CALLERS: JSON.stringify(value) });
    expect(callers({ prefetch: { key: SYNC_KEY, priority: 'bulk' } })).toThrow(/may not name a caller "prefetch"/);
    expect(callers({ 'page-status': { key: SYNC_KEY, priority: 'bulk' } })).toThrow(/may not name a caller "page-status"/);
    expect(callers({ ops: { key: SYNC_KEY, priority: 'bulk', operator: 'yes' } })).toThrow(/GATEWAY_CALLERS\[ops\] needs "operator": true or false/);
  });
});
