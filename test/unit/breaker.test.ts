import { describe, expect, it } from 'vitest';
import { Breaker } from '../../src/pages/breaker.js';

const THRESHOLD = 3;
const COOLDOWN = 10_000;

function make() {
  let t = 0;
  const breaker = new Breaker({ threshold: THRESHOLD, cooldownMs: COOLDOWN }, () => t);
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) breaker.record(true, 'call');
  };
  return { breaker, fail, advance: (ms: number) => (t += ms) };
}

describe('Breaker: closed → open', () => {
  it.each([
    [THRESHOLD - 1, 'closed'],
    [THRESHOLD, 'open'],
    [THRESHOLD + 2, 'open'],
  ])('after %i consecutive failures it is %s', async (failures, state) => {
    const { breaker, fail } = make();
    fail(failures);
    expect(breaker.state).toBe(state);
    expect(await breaker.admit()).toBe(state === 'closed' ? 'call' : false);
  });

  it('a success resets the count: failures must be consecutive', () => {
    const { breaker, fail } = make();
    fail(THRESHOLD - 1);
    breaker.record(false, 'call');
    fail(THRESHOLD - 1);
    expect(breaker.state).toBe('closed');
    fail(1);
    expect(breaker.state).toBe('open');
  });

  it('a late success of a call begun before opening does not close it', () => {
    const { breaker, fail } = make();
    fail(THRESHOLD);
    breaker.record(false, 'call');
    expect(breaker.state).toBe('open');
  });
});

describe('Breaker: cool-down and probe', () => {
  it('fails fast until the cool-down has passed, then admits one probe', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN - 1);
    expect(await breaker.admit()).toBe(false);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(await breaker.admit()).toBe('probe');
    expect(breaker.state).toBe('half-open');
  });

  it('a successful probe closes the circuit and releases the waiters with "call"', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN);
    expect(await breaker.admit()).toBe('probe');
    let settled = 0;
    const waiters = [breaker.admit(), breaker.admit()].map((p) => p.finally(() => settled++));
    // The waiters must not settle before the probe has decided, however long it takes.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(0);
    breaker.record(false, 'probe');
    expect(await Promise.all(waiters)).toEqual(['call', 'call']);
    expect(breaker.state).toBe('closed');
    // The failure count started over: it takes a full threshold to open again.
    fail(THRESHOLD - 1);
    expect(breaker.state).toBe('closed');
  });

  it('a failed probe reopens it for a new cool-down and turns the waiters away', async () => {
    const { breaker, fail, advance } = make();
    fail(THRESHOLD);
    advance(COOLDOWN);
    expect(await breaker.admit()).toBe('probe');
    const waiter = breaker.admit();
    advance(5_000);
    breaker.record(true, 'probe');
    expect(await waiter).toBe(false);
    expect(breaker.state).toBe('open');
    // The cool-down runs from the probe's failure, not the first opening.
    advance(COOLDOWN - 1);
    expect(await breaker.admit()).toBe(false);
    advance(1);
    expect(await breaker.admit()).toBe('probe');
  });

  it('admits "call" freely while closed', async () => {
    const { breaker } = make();
    expect(await Promise.all([breaker.admit(), breaker.admit(), breaker.admit()])).toEqual(['call', 'call', 'call']);
    expect(breaker.state).toBe('closed');
  });
});
