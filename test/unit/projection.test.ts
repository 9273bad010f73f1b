import { buildSchema, defaultFieldResolver, execute, parse, validate, type GraphQLFieldResolver } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ProfileField } from '../../src/core/fields.js';
import { isProfileField } from '../../src/core/fields.js';
import { selectedProfileFields } from '../../src/graphql/projection.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';

// The real SDL, so documents are validated against the schema clients use.
const schema = buildSchema(loadTypeDefs().join('\n'));

/** Runs the document and returns what selectedProfileFields saw at each MessengerUser.profile. */
async function captured(source: string, variableValues: Record<string, unknown> = {}): Promise<ProfileField[][]> {
  const document = parse(source);
  expect(validate(schema, document)).toEqual([]);
  const seen: ProfileField[][] = [];
  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (parent, args, context, info) => {
    if (info.parentType.name === 'Query' && info.fieldName === 'user') return {};
    if (info.parentType.name === 'MessengerUser' && info.fieldName === 'profile') {
      seen.push([...selectedProfileFields(info, isProfileField)].sort());
      return null;
    }
    return defaultFieldResolver(parent, args, context, info);
  };
  const result = await execute({ schema, document, variableValues, fieldResolver });
  expect(result.errors).toBeUndefined();
  return seen;
}

const one = async (source: string, variables?: Record<string, unknown>) => {
  const seen = await captured(source, variables);
  expect(seen).toHaveLength(1);
  return seen[0];
};

describe('selectedProfileFields', () => {
  it.each<[string, string, ProfileField[]]>([
    ['plain fields', '{ user(psid: "1") { profile { firstName timezone } } }', ['firstName', 'timezone']],
    ['aliases name the schema field, not the alias', '{ user(psid: "1") { profile { a: firstName b: firstName c: gender } } }', ['firstName', 'gender']],
    ['an object field, not its subfields', '{ user(psid: "1") { profile { lastAdReferral { source type adId } } } }', ['lastAdReferral']],
    ['__typename only', '{ user(psid: "1") { profile { __typename } } }', []],
    [
      'a named fragment',
      '{ user(psid: "1") { profile { locale ...P } } } fragment P on MessengerProfile { name profilePic }',
      ['locale', 'name', 'profilePic'],
    ],
    ['an inline fragment', '{ user(psid: "1") { profile { ... on MessengerProfile { lastName } ... { gender } } } }', ['gender', 'lastName']],
    [
      'the same fragment spread twice',
      '{ user(psid: "1") { profile { ...P ... { ...P isPaymentEnabled } } } } fragment P on MessengerProfile { name }',
      ['isPaymentEnabled', 'name'],
    ],
    [
      'a fragment nested in a fragment',
      '{ user(psid: "1") { profile { ...P } } } fragment P on MessengerProfile { ...Q } fragment Q on MessengerProfile { timezone }',
      ['timezone'],
    ],
    ['profile selected twice (merged field nodes)', '{ user(psid: "1") { profile { firstName } profile { lastName } } }', ['firstName', 'lastName']],
  ])('%s', async (_label, source, expected) => {
    expect(await one(source)).toEqual(expected);
  });

  it.each<[string, string, ProfileField[]]>([
    ['@skip(if: true) on a field', 'name @skip(if: true) locale', ['locale']],
    ['@skip(if: false) on a field', 'name @skip(if: false)', ['name']],
    ['@include(if: false) on a field', 'name @include(if: false) locale', ['locale']],
    ['@include(if: true) on a field', 'name @include(if: true)', ['name']],
    ['both, skip wins', 'name @include(if: true) @skip(if: true) locale', ['locale']],
    ['@skip on an inline fragment', '... @skip(if: true) { name } locale', ['locale']],
    ['@include on a fragment spread', '...P @include(if: false) locale', ['locale']],
    ['a skipped spread does not hide a later one', '...P @skip(if: true) ...P', ['gender', 'name']],
  ])('%s', async (_label, selection, expected) => {
    const source = `{ user(psid: "1") { profile { ${selection} } } } fragment P on MessengerProfile { name gender }`;
    const withFragment = selection.includes('...P') ? source : source.replace(/ fragment P.*$/, '');
    expect(await one(withFragment)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, ProfileField[]]>([
    ['$skip true, $show false', { skip: true, show: false }, ['timezone']],
    ['$skip false, $show true', { skip: false, show: true }, ['gender', 'name', 'timezone']],
    ['$skip false, $show defaulted to true', { skip: false }, ['gender', 'name', 'timezone']],
  ])('directives with variables: %s', async (_label, variables, expected) => {
    const source = `query Q($skip: Boolean!, $show: Boolean = true) {
      user(psid: "1") { profile { name @skip(if: $skip) timezone ... @include(if: $show) { gender } } }
    }`;
    expect(await one(source, variables)).toEqual(expected);
  });

  it('each aliased user gets its own selection', async () => {
    const seen = await captured('{ a: user(psid: "1") { profile { name } } b: user(psid: "2") { profile { locale } } }');
    expect(seen).toEqual([['name'], ['locale']]);
  });
});
