import { describe, expect, it } from 'vitest';
import type { EntryStore, Swap } from '../../src/cache/stores/entry-store.js';
import { GuardedStore } from '../../src/cache/stores/guarded.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisGuard } from '../../src/redis/guard.js';

/** A store that answers, fails or hangs as told, counting the calls that reach it. */
function make() {
  let t = 0;
  let behaviour: 'answer' | 'fail' | 'hang' = 'answer';
  const calls = { store: 0, failures: 0, skipped: 0 };
  const lines: { msg: string; level: number }[] = [];
  const inner: EntryStore = {
    get: (key) => {
      calls.store += 1;
      if (behaviour === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
      if (behaviour === 'hang') return new Promise(() => {});
      return Promise.resolve(`value of ${key}`);
    },
    swap: () => Promise.resolve<Swap>({ outcome: 'swapped' }),
  };
  const guard = new RedisGuard({
    timeoutMs: 20,
    logger: createLogger({ logLevel: 'info', nodeEnv: 'test' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
    clock: () => t,
  });
  const store = new GuardedStore(inner, guard, {
    onFailure: () => (calls.failures += 1),
    onSkip: () => (calls.skipped += 1),
  });
  return {
    store,
    guard,
    calls,
    lines,
    set: (next: typeof behaviour) => (behaviour = next),
    advance: (ms: number) => (t += ms),
    getMany: (n: number) => Promise.all(Array.from({ length: n }, (_, i) => store.get(`k${i}`))),
  };
}

describe('GuardedStore', () => {
  it('answers through while the store does', async () => {
    const { store, guard, calls } = make();
    expect(await store.get('a')).toBe('value of a');
    expect(guard.state).toBe('answering');
    expect(calls.store).toBe(1);
  });

  it('reads a failure or a hang as a miss, and pauses after three in a row', async () => {
    const { store, guard, calls, set, getMany } = make();
    set('hang');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBeUndefined();
    expect(guard.state).toBe('answering');
    set('fail');
    expect(await store.get('c')).toBeUndefined();
    expect(guard.state).toBe('paused');
    await getMany(10);
    expect(calls).toEqual({ store: 3, failures: 3, skipped: 10 });
  });

  it('failures must be consecutive', async () => {
    const { store, guard, set } = make();
    set('fail');
    await store.get('a');
    await store.get('b');
    set('answer');
    await store.get('c');
    set('fail');
    await store.get('d');
    await store.get('e');
    expect(guard.state).toBe('answering');
  });

  it('after the pause lets one probe through, doubles the pause while probes fail, and resets once one answers', async () => {
    const { guard, calls, set, advance, getMany } = make();
    set('fail');
    await getMany(3);
    advance(999);
    await getMany(5);
    expect(calls.store).toBe(3);

    advance(1);
    await getMany(5);
    expect(calls.store).toBe(4);
    expect(guard.state).toBe('paused');
    // Now 2 s.
    advance(1999);
    await getMany(1);
    expect(calls.store).toBe(4);
    advance(1);
    set('answer');
    expect(await getMany(3)).toEqual(['value of k0', undefined, undefined]);
    expect(guard.state).toBe('answering');
    expect(await getMany(2)).toEqual(['value of k0', 'value of k1']);

    // A new outage starts again from the first pause.
    set('fail');
    await getMany(3);
    advance(1000);
    await getMany(1);
    expect(calls.store).toBe(4 + 1 + 2 + 3 + 1);
  });

  it('logs an outage once when it starts and once when it ends', async () => {
    const { lines, set, advance, getMany } = make();
    set('fail');
    await getMany(3);
    for (let i = 0; i < 5; i++) {
      advance(20_000);
      await getMany(2);
    }
    set('answer');
    advance(20_000);
    await getMany(2);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Redis unavailable; serving without it until it answers again'],
      [30, 'Redis answers again; using it'],
    ]);
  });

  it('is one guard for every user of Redis: failures of any of them pause all, and one outage logs one line each way', async () => {
    const { store, guard, calls, lines, advance, getMany } = make();
    const failing = () => guard.run(() => Promise.reject(new Error('ECONNREFUSED')));
    // Another user (caller budgets, the shared throttle) fails twice, the cache store once.
    expect(await failing()).toMatchObject({ outcome: 'failed' });
    await failing();
    expect(guard.state).toBe('answering');
    expect(calls.store).toBe(0);
    await failing();
    expect(guard.state).toBe('paused');
    // Neither the store nor the other user is asked while paused.
    expect(await store.get('a')).toBeUndefined();
    expect(await guard.run(() => Promise.resolve('sent'))).toEqual({ outcome: 'skipped' });
    expect(calls).toEqual({ store: 0, failures: 0, skipped: 1 });
    // Whichever user comes first after the pause probes, for all.
    advance(1000);
    expect(await guard.run(() => Promise.resolve('sent'))).toEqual({ outcome: 'answered', value: 'sent' });
    expect(await getMany(2)).toEqual(['value of k0', 'value of k1']);
    expect(lines.map((l) => l.msg)).toEqual(['Redis unavailable; serving without it until it answers again', 'Redis answers again; using it']);
  });
});
