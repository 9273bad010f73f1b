import { messengerUser, parsePsid, type Psid } from '../../../src/core/ids.js';
import type { GraphField } from '../../../src/core/fields.js';
import type { Answer, Lookup, LookupCall, ProfileRequest, ProfileResult } from '../../../src/core/lookup.js';

/** The nth test user's PSID. */
export const psid = (n: number): Psid => parsePsid(String(7_000_000_000_000_000 + n)) as Psid;

export const request = (n: number, fields: readonly GraphField[] = ['first_name']): ProfileRequest => ({ user: messengerUser(psid(n)), fields });

export const profile = (data: Record<string, unknown> = { first_name: 'Ann' }): ProfileResult => ({ kind: 'profile', data });

/** What the fake `next` saw of one call. */
interface Seen {
  readonly requests: readonly ProfileRequest[];
  readonly call: LookupCall;
}

/**
 * A `next` layer that records what it was passed and answers with `answer` (by default a profile
 * per request): the layer under test is driven from above and watched from below.
 */
export function fakeNext(answer: (requests: readonly ProfileRequest[], nth: number, call: LookupCall) => Answer | Promise<Answer> = answerAll) {
  const seen: Seen[] = [];
  const next: Lookup = async (requests, call) => {
    seen.push({ requests: [...requests], call });
    return answer(requests, seen.length - 1, call);
  };
  return { next, seen };
}

export const answerAll = (requests: readonly ProfileRequest[]): Answer => ({ results: requests.map(() => profile()) });

/** A clock the test moves. */
export function testClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A promise the test releases. */
export function gate<T = void>() {
  let release!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (release = resolve));
  return { promise, release };
}

/** Lets every promise and I/O callback already queued run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
