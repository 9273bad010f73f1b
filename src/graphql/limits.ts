import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from './context.js';
import { psidLimitPlugin, PsidsInFlight } from './plugins/psid-limit.js';
import { maxRootFieldsRule } from './rules/max-root-fields.js';

type LimitConfig = Pick<
  GatewayConfig,
  'maxQueryDepth' | 'maxAliases' | 'maxRootFields' | 'maxTokens' | 'maxPsidsPerOperation' | 'maxPsidsInFlight' | 'maxPsidsInFlightPerCaller'
>;

// graphql-armor's rules throw by default, which Apollo turns into HTTP 500; reporting through the
// validation context makes them ordinary GRAPHQL_VALIDATION_FAILED errors (HTTP 400).
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/**
 * Apollo Server options that bound what one operation may cost, all checked before any upstream
 * request: parser token count, depth, aliases, root fields (validation), distinct PSIDs (once
 * variables are known). Request body size is bounded by the HTTP layer.
 */
export function operationLimits(config: LimitConfig): Required<
  Pick<ApolloServerOptions<BaseContext>, 'parseOptions' | 'validationRules'>
> & { plugins: ApolloServerPlugin<GatewayContext>[] } {
  return {
    // graphql-js stops lexing at the limit; comments are no tokens, so the query text itself is
    // bounded before parsing (MAX_QUERY_BYTES, http/body.ts).
    parseOptions: { maxTokens: config.maxTokens },
    validationRules: [
      maxDepthRule({ n: config.maxQueryDepth, flattenFragments: true, ...report }),
      maxAliasesRule({ n: config.maxAliases, ...report }),
      maxRootFieldsRule(config.maxRootFields),
    ],
    plugins: [
      psidLimitPlugin(
        config.maxPsidsPerOperation,
        new PsidsInFlight<GatewayContext>(
          { overall: config.maxPsidsInFlight, perCaller: config.maxPsidsInFlightPerCaller },
          (context) => context.call.caller?.name ?? '',
        ),
      ),
    ],
  };
}
