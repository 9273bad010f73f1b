import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  GraphQLError,
  Kind,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { documentHeapBytes } from './document-cache.js';

// A compiled query's generated code and closures take about as much heap again as its document.
const COMPILED_HEAP_PER_DOCUMENT_BYTE = 2;

/**
 * Apollo Server's gateway seam used for one thing: executing validated operations as graphql-jit
 * compiled queries, one compilation per parsed document and operation. Parsing, validation,
 * limits, plugins and error masking stay Apollo's. Introspection runs through graphql-js, and so
 * does any operation whose compiled run fails variable coercion, so clients get graphql-js's exact
 * messages and Apollo's BAD_USER_INPUT for them.
 */
export function compiledExecution(schema: GraphQLSchema, maxBytes: number): GatewayInterface {
  // Keyed by the DocumentNode Apollo keeps in its document cache, so a cached document
  // finds its compiled query without hashing; the operation name picks among its operations. The
  // least recently used go once the estimated heap passes `maxBytes`, so new documents are always
  // compiled (a counter that only grew once stopped compiling for good).
  const compiled = new LRUCache<DocumentNode, { byName: Map<string | null, CompiledQuery> }>({
    maxSize: maxBytes,
    sizeCalculation: (_entry, document) => Math.max(1, COMPILED_HEAP_PER_DOCUMENT_BYTE * documentHeapBytes(document)),
  });

  function compiledFor(document: DocumentNode, operationName: string | null): CompiledQuery | undefined {
    const entry = compiled.get(document);
    const found = entry?.byName.get(operationName);
    if (found) return found;
    const query = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(query)) return undefined;
    if (entry) entry.byName.set(operationName, query);
    else compiled.set(document, { byName: new Map([[operationName, query]]) });
    return query;
  }

  const interpreted = (context: Parameters<GatewayExecutor>[0]) =>
    execute({
      schema,
      document: context.document,
      contextValue: context.context,
      variableValues: context.request.variables ?? null,
      operationName: context.operationName,
    }) as Promise<ExecutionResult> | ExecutionResult;

  const executor: GatewayExecutor = async (context) => {
    const query = needsInterpreter(context.operation) ? undefined : compiledFor(context.document, context.operationName);
    if (!query) return interpreted(context);
    const result = await query.query(undefined, context.context, context.request.variables ?? {});
    // No data at all means the variables did not coerce: let graphql-js word those errors.
    if (result.errors?.length && result.data === undefined) return interpreted(context);
    return result.errors ? { ...result, errors: result.errors.map(withExtensions) } : result;
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
}

/**
 * graphql-jit leaves `extensions` undefined on an error wrapping a plain Error, where graphql-js
 * gives `{}`; Apollo's formatting reads `extensions.code` and would lose the error's path. Such
 * errors are rebuilt as graphql-js makes them: same message, path, locations and original error.
 */
function withExtensions(error: GraphQLError): GraphQLError {
  if (error.extensions !== undefined) return error;
  const rebuilt = new GraphQLError(error.message, { path: error.path ?? undefined, originalError: error.originalError ?? undefined });
  // graphql-js computes locations from AST nodes the compiled query no longer has; copy them.
  (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}

/** Introspection (Sandbox, codegen) and root fragments, rare and not worth a compilation. */
function needsInterpreter(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.some(
    (selection) => selection.kind !== Kind.FIELD || selection.name.value === '__schema' || selection.name.value === '__type',
  );
}
