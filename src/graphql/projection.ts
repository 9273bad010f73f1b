import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type FragmentSpreadNode,
  type FieldNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';


// Private: every user of a `users` list resolves `profile` with the same field nodes and the same
// variables, so the walk is made once per (nodes, variables) and its result shared, read-only.
const memo = new WeakMap<readonly FieldNode[], WeakMap<object, ReadonlySet<string>>>();
const NO_VARIABLES = {};

/**
 * The catalog fields (MessengerProfile's or InstagramProfile's, told by `isField`) selected under
 * the `profile` field being resolved, across aliases, named and inline fragments, honouring @skip
 * and @include with the operation's variables. avatarUrl counts as profilePic: it is made from the
 * same Graph field.
 */
export function selectedProfileFields<F extends string>(info: GraphQLResolveInfo, isField: (name: string) => name is F): ReadonlySet<F> {
  const variables: object = info.variableValues ?? NO_VARIABLES;
  let byVariables = memo.get(info.fieldNodes);
  const known = byVariables?.get(variables);
  // A field node's selection belongs to one profile type, so one `isField` is ever asked of it.
  if (known) return known as ReadonlySet<F>;
  const selected = walk(info, isField);
  if (!byVariables) memo.set(info.fieldNodes, (byVariables = new WeakMap()));
  byVariables.set(variables, selected);
  return selected;
}

function walk<F extends string>(info: GraphQLResolveInfo, isField: (name: string) => name is F): Set<F> {
  const selected = new Set<F>();
  const visitedFragments = new Set<string>();

  const visit = (selectionSet: SelectionSetNode | undefined): void => {
    if (!selectionSet) return;
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection, info.variableValues)) continue;
      switch (selection.kind) {
        case Kind.FIELD:
          if (isField(selection.name.value)) selected.add(selection.name.value);
          // avatarUrl is made from the same Graph field as profilePic.
          else if (selection.name.value === 'avatarUrl') {
            const picture = 'profilePic';
            if (isField(picture)) selected.add(picture);
          }
          break;
        case Kind.INLINE_FRAGMENT:
          visit(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          // Validation forbids fragment cycles; this only skips a fragment spread twice.
          if (visitedFragments.has(name)) break;
          visitedFragments.add(name);
          visit(info.fragments[name]?.selectionSet);
          break;
        }
      }
    }
  };

  for (const node of info.fieldNodes) visit(node.selectionSet);
  return selected;
}

function isIncluded(
  node: FieldNode | InlineFragmentNode | FragmentSpreadNode,
  variables: GraphQLResolveInfo['variableValues'],
): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}
