import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  getVariableValues,
  Kind,
  valueFromASTUntyped,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { badUserInput, ErrorCode, GatewayError } from '../../core/errors.js';

// probePsid too: each probe of pageStatus is a Graph API call for that user. IGSIDs count alike:
// each is a sub-request of the same Page's quota.
const PSID_ARGUMENTS = new Set(['psid', 'psids', 'probePsid', 'igsid', 'igsids', 'probeIgsid']);
const LIST_ARGUMENTS = new Set(['psids', 'igsids']);

/**
 * Refuses an operation that names more than `max` distinct PSIDs across all its `psid`/`psids`/
 * `probePsid` arguments, before anything is resolved. It runs once variables are known (a
 * validation rule cannot: Apollo caches validation per document, whatever the variables), and
 * counts them as execution will see them: coerced, with the defaults of variables not given. Fields under
 * @skip/@include count too: refusing a little early is cheaper than evaluating directives here.
 */
export function psidLimitPlugin<TContext extends BaseContext>(max: number, inFlight?: PsidsInFlight<TContext>): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      let held: { caller: string; count: number } | undefined;
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          let count = shapeOf(operation, document).singles;
          if (mayExceed(operation, document, max)) {
            const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
            // Variables that do not coerce fail the operation at execution, before any resolver runs.
            if (!variables.coerced) return;
            count = distinctPsids(operation.selectionSet, document, variables.coerced);
            if (count > max) {
              throw badUserInput(`This operation asks for ${count} distinct PSIDs; at most ${max} are allowed.`, {
                http: { status: 400 },
              });
            }
          }
          if (inFlight && count > 0) held = inFlight.take(inFlight.callerOf(contextValue), count);
        },
        async willSendResponse() {
          if (held) inFlight?.give(held);
          held = undefined;
        },
      };
    },
  };
}

/**
 * PSIDs of operations under way, overall and per caller (MAX_PSIDS_IN_FLIGHT,
 * MAX_PSIDS_IN_FLIGHT_PER_CALLER): each holds memory until its response is sent, so past either
 * bound a new operation is refused with 503 (OVERLOADED) before it is executed.
 */
export class PsidsInFlight<TContext extends BaseContext = BaseContext> {
  private overall = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(
    private readonly limits: { readonly overall: number; readonly perCaller: number },
    /** The caller's name an operation counts for ('' without one). */
    readonly callerOf: (context: TContext) => string,
  ) {}

  take(caller: string, count: number): { caller: string; count: number } {
    const mine = this.byCaller.get(caller) ?? 0;
    if (this.overall + count > this.limits.overall || mine + count > this.limits.perCaller) {
      const headers = new HeaderMap([['retry-after', '1']]);
      throw new GatewayError(ErrorCode.OVERLOADED, 'Too many users are being looked up right now. Retry later.', {
        retryAfterSeconds: 1,
        http: { status: 503, headers },
      });
    }
    this.overall += count;
    this.byCaller.set(caller, mine + count);
    return { caller, count };
  }

  give({ caller, count }: { caller: string; count: number }): void {
    this.overall -= count;
    const left = (this.byCaller.get(caller) ?? count) - count;
    if (left > 0) this.byCaller.set(caller, left);
    else this.byCaller.delete(caller);
  }
}

// Private: per operation (of a document Apollo keeps cached), how many single-PSID arguments it has
// and whether it has a list one. Without a list, the count can never pass the number of single
// arguments, and most operations skip coercing their variables here altogether.
const shapes = new WeakMap<OperationDefinitionNode, { readonly singles: number; readonly lists: boolean }>();

function mayExceed(operation: OperationDefinitionNode, document: DocumentNode, max: number): boolean {
  const shape = shapeOf(operation, document);
  return shape.lists || shape.singles > max;
}

function shapeOf(operation: OperationDefinitionNode, document: DocumentNode): { readonly singles: number; readonly lists: boolean } {
  let shape = shapes.get(operation);
  if (!shape) {
    let singles = 0;
    let lists = false;
    eachPsidArgument(operation.selectionSet, document, (argument) => {
      if (LIST_ARGUMENTS.has(argument.name.value)) lists = true;
      else singles += 1;
    });
    shapes.set(operation, (shape = { singles, lists }));
  }
  return shape;
}

function distinctPsids(root: SelectionSetNode, document: DocumentNode, variables: Record<string, unknown>): number {
  const psids = new Set<string>();
  // A PSID and an IGSID with the same digits are two users.
  eachPsidArgument(root, document, (argument) =>
    addValues(psids, argument.name.value.toLowerCase().includes('igsid') ? 'ig:' : '', valueFromASTUntyped(argument.value, variables)),
  );
  return psids.size;
}

/** Calls `found` with every psid/psids/probePsid argument, through fragments (each spread once). */
function eachPsidArgument(root: SelectionSetNode, document: DocumentNode, found: (argument: ArgumentNode) => void): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const argument of selection.arguments ?? []) if (PSID_ARGUMENTS.has(argument.name.value)) found(argument);
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
}

function addValues(psids: Set<string>, prefix: string, value: unknown): void {
  // A single ID given where a list is expected is coerced to a one-element list.
  for (const item of Array.isArray(value) ? value : [value]) {
    if (typeof item === 'string' || typeof item === 'number') psids.add(prefix + String(item));
  }
}
