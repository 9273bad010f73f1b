import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type TypeNode } from 'graphql';
import { badUserInput } from '../../core/errors.js';

/**
 * Refuses a JSON number given for an ID variable unless it is a safe integer. PSIDs have 16 digits
 * and more: above 2^53 JSON.parse has already rounded the number, and graphql-js would turn it
 * into the id of another user, or of none.
 */
export function numericIdsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          for (const definition of operation?.variableDefinitions ?? []) {
            if (namedType(definition.type) !== 'ID') continue;
            const name = definition.variable.name.value;
            if (!hasUnsafeNumber(request.variables?.[name])) continue;
            throw badUserInput(`$${name} holds a number above 2^53, which JSON cannot carry exactly: send IDs as strings.`, {
              http: { status: 400 },
            });
          }
        },
      };
    },
  };
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function hasUnsafeNumber(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasUnsafeNumber);
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}
