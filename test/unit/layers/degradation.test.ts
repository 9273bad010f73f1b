import { describe, expect, it } from 'vitest';
import { degradation } from '../../../src/chain/layers/degradation.js';
import type { GraphField } from '../../../src/core/fields.js';
import type { ProfileRequest, ProfileResult } from '../../../src/core/lookup.js';
import { classifyGraphError } from '../../../src/graph-api/classify.js';
import { Capabilities } from '../../../src/pages/capabilities.js';
import { fakeNext, profile, request, testClock } from './fake.js';

const VERSION = 'v23.0';
const TTL_MS = 3_600_000;

/** What the Graph API answers for a field the version lacks, and for an unnamed missing permission. */
const nonexisting = (field: string) =>
  classifyGraphError(400, { code: 100, message: `(#100) Tried accessing nonexisting field (${field}) on node type (User)` }) as Error;
const unnamedPermission = () => classifyGraphError(400, { code: 100, error_subcode: 2018247, message: 'Permissions error' }) as Error;

/** A Graph API stand-in: fails a request that asks for a field in `lacks` or `denied`, else answers what it asked. */
function graph({ lacks = [], denied = [] }: { lacks?: GraphField[]; denied?: GraphField[] }) {
  return (requests: readonly ProfileRequest[]) => ({
    results: requests.map((r): ProfileResult => {
      const missing = r.fields.find((f) => lacks.includes(f));
      if (missing) return nonexisting(missing);
      if (r.fields.some((f) => denied.includes(f))) return unnamedPermission();
      return profile(Object.fromEntries(r.fields.map((f) => [f, `${f} value`])));
    }),
  });
}

function layered(answer: Parameters<typeof fakeNext>[0]) {
  const clock = testClock();
  const capabilities = new Capabilities(TTL_MS, clock.now);
  const { next, seen } = fakeNext(answer);
  return { lookup: degradation({ messenger: capabilities, instagram: new Capabilities(TTL_MS, clock.now) }, VERSION)(next), seen, clock, capabilities };
}

const fieldErrorCodes = (result: ProfileResult | undefined) =>
  result && !(result instanceof Error) && result.kind === 'profile'
    ? Object.fromEntries([...(result.fieldErrors ?? new Map())].map(([field, error]) => [field, error.extensions.code]))
    : undefined;

describe('degradation layer', () => {
  it('passes a lookup that fails nothing down once and answers it unchanged', async () => {
    const { lookup, seen } = layered(graph({}));
    const answer = await lookup([request(1, ['first_name', 'locale'])], {});
    expect(seen.map((s) => s.requests)).toEqual([[request(1, ['first_name', 'locale'])]]);
    expect(answer.results).toEqual([profile({ first_name: 'first_name value', locale: 'locale value' })]);
  });

  it('drops a field the version lacks, asks again for the rest, and answers it with a FIELD_UNAVAILABLE field error', async () => {
    const { lookup, seen } = layered(graph({ lacks: ['is_payment_enabled'] }));
    const answer = await lookup([request(1, ['first_name', 'is_payment_enabled']), request(2)], {});
    // Only the failed request is asked again.
    expect(seen.map((s) => s.requests)).toEqual([[request(1, ['first_name', 'is_payment_enabled']), request(2)], [request(1, ['first_name'])]]);
    expect(answer.results[0]).toMatchObject({ kind: 'profile', data: { first_name: 'first_name value' } });
    expect(fieldErrorCodes(answer.results[0])).toEqual({ is_payment_enabled: 'FIELD_UNAVAILABLE' });
    expect(answer.results[1]).toEqual(profile({ first_name: 'first_name value' }));
  });

  it('remembers what it learnt: the field is left out up front until the capability TTL passes on the clock', async () => {
    const { lookup, seen, clock } = layered(graph({ lacks: ['is_payment_enabled'] }));
    await lookup([request(1, ['first_name', 'is_payment_enabled'])], {});
    const again = await lookup([request(2, ['first_name', 'is_payment_enabled'])], {});
    expect(seen[2]!.requests).toEqual([request(2, ['first_name'])]);
    expect(seen).toHaveLength(3);
    expect(fieldErrorCodes(again.results[0])).toEqual({ is_payment_enabled: 'FIELD_UNAVAILABLE' });
    clock.advance(TTL_MS);
    await lookup([request(3, ['first_name', 'is_payment_enabled'])], {});
    expect(seen[3]!.requests).toEqual([request(3, ['first_name', 'is_payment_enabled'])]);
  });

  it('finds an unnamed missing permission by asking each permission group alone, and answers the rest', async () => {
    const { lookup, seen } = layered(graph({ denied: ['locale'] }));
    const answer = await lookup([request(1, ['first_name', 'locale', 'timezone'])], {});
    // The probe round also passes an empty lookup down (nothing to ask again); batches() sends none for it.
    expect(seen.map((s) => s.requests).filter((r) => r.length > 0)).toEqual([
      [request(1, ['first_name', 'locale', 'timezone'])],
      [request(1, ['first_name']), request(1, ['locale']), request(1, ['timezone'])],
    ]);
    expect(answer.results[0]).toMatchObject({ kind: 'profile', data: { first_name: 'first_name value', timezone: 'timezone value' } });
    expect(fieldErrorCodes(answer.results[0])).toEqual({ locale: 'PERMISSION_REQUIRED' });
    // Learnt: the next lookup does not ask for locale at all.
    const before = seen.length;
    await lookup([request(2, ['first_name', 'locale'])], {});
    expect(seen[before]!.requests).toEqual([request(2, ['first_name'])]);
  });

  it('answers other failures as they came up, without asking again', async () => {
    const failure = classifyGraphError(400, { code: 4 }) as Error;
    const { lookup, seen } = layered(() => ({ results: [failure] }));
    expect((await lookup([request(1)], {})).results).toEqual([failure]);
    expect(seen).toHaveLength(1);
  });
});
