import type { ApolloServerPlugin } from '@apollo/server';
import {
  getVariableValues,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { badUserInput } from '../../errors.js';

// probePsid too: each probe of pageStatus is a Graph API call for that user.
const PSID_ARGUMENTS = new Set(['psid', 'psids', 'probePsid']);

/**
 * Refuses an operation that names more than `max` distinct PSIDs across all its `psid`/`psids`/
 * `probePsid` arguments, before anything is resolved. It runs once variables are known (a
 * validation rule cannot: Apollo caches validation per document, whatever the variables), and
 * counts them as execution will see them: coerced, with the defaults of variables not given. Fields under
 * @skip/@include count too: refusing a little early is cheaper than evaluating directives here.
 */
export function psidLimitPlugin(max: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          // Variables that do not coerce fail the operation at execution, before any resolver runs.
          if (!variables.coerced) return;
          const count = distinctPsids(operation.selectionSet, document, variables.coerced);
          if (count > max) {
            throw badUserInput(`This operation asks for ${count} distinct PSIDs; at most ${max} are allowed.`, {
              http: { status: 400 },
            });
          }
        },
      };
    },
  };
}

function distinctPsids(root: SelectionSetNode, document: DocumentNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const psids = new Set<string>();
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const argument of selection.arguments ?? []) {
          if (PSID_ARGUMENTS.has(argument.name.value)) addValues(psids, valueFromASTUntyped(argument.value, variables));
        }
        if (selection.selectionSet) visit(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(root);
  return psids.size;
}

function addValues(psids: Set<string>, value: unknown): void {
  // A single ID given where a list is expected is coerced to a one-element list.
  for (const item of Array.isArray(value) ? value : [value]) {
    if (typeof item === 'string' || typeof item === 'number') psids.add(String(item));
  }
}
