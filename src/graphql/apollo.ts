import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayContext } from './context.js';
import { documentStore } from './document-cache.js';
import { compiledExecution } from './executor.js';
import { createFormatError, maskedErrorLogPlugin } from './format-error.js';
import { operationLimits } from './limits.js';
import { numericIdsPlugin } from './plugins/numeric-ids.js';
import { withExplorerLink } from './plugins/landing-page.js';
import { operationOutcomePlugin } from './plugins/operation-outcome.js';
import { staleExtensionPlugin } from './plugins/stale-extension.js';
import { tracingPlugin } from './plugins/tracing.js';
import { resolvers } from './resolvers.js';
import { loadTypeDefs } from './schema.js';

export interface ApolloOptions {
  /** Where the built-in explorer is served (development only); Sandbox's page links to it. */
  readonly explorerPath?: string | undefined;
}

/** Apollo Server with the gateway's schema, limits, masking and plugins; not yet started. */
export function createApollo(config: GatewayConfig, logger: Logger, httpServer: Server, { explorerPath }: ApolloOptions = {}): ApolloServer<GatewayContext> {
  const production = config.nodeEnv === 'production';
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true });
  const limits = operationLimits(config);
  return new ApolloServer<GatewayContext>({
    // Validated operations run as graphql-jit compiled queries (graphql/executor.ts).
    gateway: compiledExecution(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers }), config.queryCacheMaxBytes),
    // Bounded by estimated heap, source text included (query text is bounded by MAX_QUERY_BYTES).
    documentStore: documentStore(config.queryCacheMaxBytes),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    formatError: createFormatError(),
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // Apollo's defaults, stated because the gateway's limits rely on them: one operation per HTTP
    // request, and no simple (CORS-free) requests that a browser could be tricked into sending.
    // Authorization counts as a preflight header: no simple request can carry it, so a client's GET
    // with a token (urql's default) is no forgery.
    allowBatchedHttpRequests: false,
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    // main.ts owns signal handling and exits 0 after a drain; Apollo's handler would re-raise.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      // Profiles are private and never cacheable, so the HTTP layer always says no-store. Apollo's
      // default cache-control plugin would reach the same header by hooking every field resolver,
      // which cost ~15% of the CPU of a one-user operation (BENCHMARKS.md).
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : explorerPath ? withExplorerLink(sandbox, explorerPath) : sandbox,
      numericIdsPlugin(),
      ...limits.plugins,
      operationOutcomePlugin(),
      maskedErrorLogPlugin(logger),
      staleExtensionPlugin(),
      // Only with tracing on: without it, no per-request hooks are paid for.
      ...(config.tracing ? [tracingPlugin()] : []),
    ],
  });
}
