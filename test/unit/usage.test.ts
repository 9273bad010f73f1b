import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { describe, expect, it } from 'vitest';
import { Throttle } from '../../src/pages/throttle.js';
import { highestPercent, parseUsage, peakPercent, regainMinutes } from '../../src/graph-api/usage.js';

const appUsage = (call: unknown, cpu: unknown = 0, time: unknown = 0) =>
  JSON.stringify({ call_count: call, total_cputime: cpu, total_time: time });
const buc = (byId: Record<string, object[]>) => JSON.stringify(byId);
const bucEntry = (call: number, regain = 0, type = 'messenger') => ({
  type,
  call_count: call,
  total_cputime: 1,
  total_time: 1,
  estimated_time_to_regain_access: regain,
});

describe('parseUsage', () => {
  it('reads X-App-Usage', () => {
    expect(parseUsage({ 'x-app-usage': appUsage(12, 34, 56) })).toEqual({
      app: { call_count: 12, total_cputime: 34, total_time: 56 },
      businessUseCases: [],
    });
  });

  it('reads X-Business-Use-Case-Usage: every entry of every id', () => {
    const usage = parseUsage({ 'x-business-use-case-usage': buc({ '111': [bucEntry(10), bucEntry(20, 3)], '222': [bucEntry(30)] }) });
    expect(usage.app).toBeUndefined();
    expect(usage.businessUseCases.map((b) => [b.id, b.call_count, b.estimated_time_to_regain_access])).toEqual([
      ['111', 10, 0],
      ['111', 20, 3],
      ['222', 30, 0],
    ]);
    expect(usage.businessUseCases[0]?.type).toBe('messenger');
  });

  it.each<[string, IncomingHttpHeaders | undefined]>([
    ['no headers', undefined],
    ['malformed app JSON', { 'x-app-usage': '{call_count:100' }],
    ['malformed business JSON', { 'x-business-use-case-usage': '{"1":[' }],
    ['business value not an array', { 'x-business-use-case-usage': buc({ '1': { call_count: 100 } as never }) }],
    ['business header an array', { 'x-business-use-case-usage': JSON.stringify([bucEntry(100)]) }],
    ['entries without figures', { 'x-app-usage': '{}', 'x-business-use-case-usage': buc({ '1': [{ type: 'x' }] }) }],
  ])('ignores %s', (_label, headers) => {
    const usage = parseUsage(headers);
    expect(usage).toEqual({ app: undefined, businessUseCases: [] });
    expect(peakPercent(usage)).toBe(0);
  });

  it.each<[string, unknown, number]>([
    ['a number', 40, 40],
    ['a numeric string', '40', 40],
    ['a word', 'lots', 0],
    ['null', null, 0],
    ['negative', -5, 0],
  ])('a figure given as %s counts as %i', (_label, figure, expected) => {
    expect(parseUsage({ 'x-app-usage': appUsage(figure) }).app?.call_count).toBe(expected);
  });

  it('takes the first value of a repeated header', () => {
    expect(parseUsage({ 'x-app-usage': [appUsage(7), appUsage(99)] }).app?.call_count).toBe(7);
  });
});

describe('peakPercent / regainMinutes', () => {
  it.each<[string, IncomingHttpHeaders, number]>([
    ['highest app figure', { 'x-app-usage': appUsage(10, 75, 20) }, 75],
    ['business use case wins even when lower', { 'x-app-usage': appUsage(100), 'x-business-use-case-usage': buc({ '1': [bucEntry(40)] }) }, 40],
    ['highest across business entries', { 'x-business-use-case-usage': buc({ '1': [bucEntry(40)], '2': [bucEntry(90)] }) }, 90],
  ])('peakPercent: %s', (_label, headers, expected) => {
    expect(peakPercent(parseUsage(headers))).toBe(expected);
  });

  it('regainMinutes is the longest estimated_time_to_regain_access, 0 without one', () => {
    expect(regainMinutes(parseUsage({ 'x-business-use-case-usage': buc({ '1': [bucEntry(10, 2)], '2': [bucEntry(10, 5)] }) }))).toBe(5);
    expect(regainMinutes(parseUsage({ 'x-app-usage': appUsage(100) }))).toBe(0);
  });
});

describe('highestPercent (what bulk shedding compares)', () => {
  it('takes the highest figure of either header, where peakPercent lets business use cases win', () => {
    const usage = parseUsage({ 'x-app-usage': appUsage(10, 82, 3), 'x-business-use-case-usage': buc({ '1': [bucEntry(40), bucEntry(55)] }) });
    expect(highestPercent(usage)).toBe(82);
    expect(peakPercent(usage)).toBe(55);
    expect(highestPercent(parseUsage({ 'x-business-use-case-usage': buc({ '1': [bucEntry(77)] }) }))).toBe(77);
    expect(highestPercent(parseUsage(undefined))).toBe(0);
  });
});

describe('Throttle', () => {
  const make = () => {
    let t = 1_000_000;
    const throttle = new Throttle({ defaultBackoffMs: 30_000, usageProbeMs: 5000 }, () => t);
    return { throttle, advance: (ms: number) => (t += ms) };
  };

  it('does not block below 100%', () => {
    const { throttle } = make();
    throttle.observe({ 'x-app-usage': appUsage(99, 99, 99) });
    expect(throttle.retryAfterSeconds()).toBeUndefined();
    expect(throttle.latest?.app?.call_count).toBe(99);
  });

  it('at 100% without a regain time, lets one call through per usageProbeMs instead of blocking', () => {
    const { throttle, advance } = make();
    throttle.observe({ 'x-app-usage': appUsage(100) });
    // That answer was a reading: the next is due an interval later.
    expect(throttle.admit()).toBe(5);
    expect(throttle.retryAfterSeconds()).toBe(5);
    advance(4_999);
    expect(throttle.admit()).toBe(1);
    advance(1);
    expect(throttle.admit()).toBeUndefined(); // the probe
    expect(throttle.admit()).toBe(5);
    advance(5000);
    expect(throttle.admit()).toBeUndefined();
    throttle.observe({ 'x-app-usage': appUsage(60) });
    expect(throttle.admit()).toBeUndefined();
    expect(throttle.admit()).toBeUndefined();
  });

  it('a refusal with usage at 100 % and no regain time backs off for the default, not the reading interval', () => {
    const { throttle } = make();
    throttle.backOff({ 'x-app-usage': appUsage(100) });
    expect(throttle.admit()).toBe(30);
    expect(throttle.retryAfterSeconds()).toBe(30);
  });

  it('reads X-Page-Usage, above 100 % too', () => {
    const { throttle } = make();
    throttle.observe({ 'x-page-usage': JSON.stringify({ call_count: 855, total_cputime: 12, total_time: 125 }) });
    expect(throttle.latest?.page?.call_count).toBe(855);
    expect(throttle.latest?.deciding?.header).toContain('855');
    expect(throttle.admit()).toBe(5);
  });

  it('blocks for the regain minutes, even when usage reads below 100%', () => {
    const { throttle, advance } = make();
    throttle.observe({ 'x-business-use-case-usage': buc({ '1': [bucEntry(50, 2)] }) });
    expect(throttle.retryAfterSeconds()).toBe(120);
    advance(119_999);
    expect(throttle.retryAfterSeconds()).toBe(1);
    advance(1);
    expect(throttle.retryAfterSeconds()).toBeUndefined();
  });

  it('a shorter block does not cut a longer one short', () => {
    const { throttle } = make();
    throttle.observe({ 'x-business-use-case-usage': buc({ '1': [bucEntry(50, 2)] }) });
    throttle.backOff({ 'x-app-usage': appUsage(100) });
    expect(throttle.retryAfterSeconds()).toBe(120);
  });

  it('blockUntil (another instance learnt it) keeps the later of two blocks', () => {
    const { throttle, advance } = make();
    throttle.blockUntil(1_000_000 + 90_000);
    expect(throttle.retryAfterSeconds()).toBe(90);
    throttle.blockUntil(1_000_000 + 10_000);
    expect(throttle.blockedUntil).toBe(1_090_000);
    advance(90_000);
    expect(throttle.retryAfterSeconds()).toBeUndefined();
  });

  it('backOff without headers blocks for the default; with regain minutes, for those', () => {
    const a = make();
    a.throttle.backOff(undefined);
    expect(a.throttle.retryAfterSeconds()).toBe(30);
    const b = make();
    b.throttle.backOff({ 'x-business-use-case-usage': buc({ '1': [bucEntry(100, 10)] }) });
    expect(b.throttle.retryAfterSeconds()).toBe(600);
  });
});
