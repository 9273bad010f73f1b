import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext, HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from '../core/errors.js';
import type { Caller } from '../core/lookup.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { operationReporter } from '../observability/operation-report.js';
import { newRequestScope, requestIdFrom, type RequestScope } from '../observability/request-scope.js';
import type { GatewayTracer } from '../observability/tracing.js';
import type { BearerLookup } from './auth.js';
import { checkQueryBytes, headerMap, parseBody, readBody, splitUrl } from './body.js';
import { HttpError, send, sendError } from './respond.js';

export const GRAPHQL_PATH = '/graphql';

/** A handler for one path besides /graphql; answers false when the path is not its own. */
export type Route = (req: IncomingMessage, res: ServerResponse, path: string, search: string) => Promise<boolean>;

export interface GatewayHttpOptions<TContext extends BaseContext> {
  readonly apollo: ApolloServer<TContext>;
  /** Builds each operation's context around the request's accounting, for the caller whose key it carried (undefined: open endpoint). */
  readonly context: (scope: RequestScope, caller: Caller | undefined) => Promise<TContext>;
  /** When set, GraphQL requests need one of its Bearer keys (or a sign-in token), which tells who the caller is. */
  readonly authenticate: BearerLookup<Caller> | ((authorization: string | undefined) => Promise<Caller | undefined>) | undefined;
  /** Sign-in tokens are accepted beside API keys (the 401 says so). */
  readonly signIn?: boolean;
  /** Answers CORS preflights and marks answers for allowed origins; undefined: no CORS (CORS_ORIGINS unset). */
  readonly cors?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  readonly maxRequestBytes: number;
  /** Largest query text, in UTF-8 bytes (MAX_QUERY_BYTES). */
  readonly maxQueryBytes: number;
  /** Tried in order for any other path (webhook, ops endpoints). */
  readonly routes: readonly Route[];
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Starts each request's span; undefined when tracing is off. */
  readonly tracer?: GatewayTracer | undefined;
  /** Seconds to wait when the process is too busy to take an operation (event-loop lag); undefined when it is not. */
  readonly overloaded?: (() => number | undefined) | undefined;
}

/**
 * Serves GraphQL over `node:http` through Apollo's `executeHTTPGraphQLRequest`: API key (which
 * names the caller), body limit, then Apollo with a context for that caller; one log line and the
 * operation metrics once the response is sent.
 */
export function serveHttp<TContext extends BaseContext>(httpServer: Server, options: GatewayHttpOptions<TContext>): void {
  const { apollo, context, authenticate, signIn, cors, maxRequestBytes, maxQueryBytes, routes, metrics, logger, tracer, overloaded } = options;
  const refusal = signIn
    ? 'Missing, unknown or expired credentials: send Authorization: Bearer <API key or sign-in token>.'
    : 'Missing or unknown API key: send Authorization: Bearer <key>.';
  const report = operationReporter(metrics, logger);

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const { path, search } = splitUrl(req.url);
    // Before authentication: a browser's preflight never carries the token.
    if (path === GRAPHQL_PATH && cors?.(req, res)) return;
    const served = path === GRAPHQL_PATH ? serveGraphQL(req, res, requestId, search) : serveRoute(req, res, path, search);
    served.catch((error: unknown) => fail(res, error, requestId));
  });

  async function serveRoute(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    for (const route of routes) if (await route(req, res, path, search)) return;
    throw new HttpError(404, `Not found. The GraphQL endpoint is ${GRAPHQL_PATH}.`);
  }

  function fail(res: ServerResponse, error: unknown, requestId: string): void {
    if (!(error instanceof HttpError)) logger.error({ err: error, requestId }, 'request failed');
    sendError(res, error);
  }

  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string, search: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    // A GET without a query string runs nothing (it shows Sandbox in development), so a browser may load it without a key.
    const runsNothing = req.method === 'GET' && search === '';
    // Never throws: a bad sign-in token is no caller, like an unknown key.
    const caller = await authenticate?.(req.headers.authorization);
    const refused = authenticate !== undefined && !runsNothing && !caller;
    // No span for a request refused before authentication (the operation metrics count it): anyone
    // could otherwise fill the trace store, with trace ids of their choosing.
    const trace = refused ? undefined : tracer?.startRequest({ method, headers: req.headers, requestId, authenticated: caller !== undefined });
    const scope = newRequestScope(requestId, trace);
    const started = performance.now();
    // A client that goes away (mid-body or while its operation runs) is no failure of the gateway:
    // it gets an outcome of its own and no error-level line.
    let aborted = false;
    res.once('close', () => {
      aborted = !res.writableFinished;
    });
    try {
      if (refused) {
        throw new HttpError(401, refusal, ErrorCode.UNAUTHENTICATED, {
          'www-authenticate': 'Bearer',
          connection: 'close',
        });
      }
      // Refused before reading the body: every operation taken now would be answered late.
      const retryAfter = runsNothing ? undefined : overloaded?.();
      if (retryAfter !== undefined) {
        throw new HttpError(503, 'The gateway is overloaded. Retry later.', ErrorCode.OVERLOADED, { 'retry-after': String(retryAfter) });
      }
      scope.caller = caller?.name;
      if (caller) scope.trace?.set({ 'gateway.caller': caller.name });
      const headers = headerMap(req);
      const body = method === 'POST' ? parseBody((await readBody(req, maxRequestBytes)).toString('utf8'), headers) : undefined;
      checkQueryBytes(body, search, maxQueryBytes);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search, body },
        context: () => context(scope, caller),
      });
      // Refusals Apollo answers itself (CSRF, Accept, batching) pass no plugin: their codes are in the body.
      if ((response.status ?? 200) >= 400) scope.errorCodes = errorCodesOf(response.body) ?? scope.errorCodes;
      await send(res, response);
    } catch (error) {
      if (error instanceof HttpError && error.code) scope.errorCodes = [error.code];
      if (!aborted) fail(res, error, requestId);
    } finally {
      if (aborted) scope.outcome = 'aborted';
      report(scope, { status: res.statusCode, durationMs: performance.now() - started });
    }
  }
}

function errorCodesOf(body: HTTPGraphQLResponse['body']): string[] | undefined {
  if (body.kind !== 'complete') return undefined;
  try {
    const { errors } = JSON.parse(body.string) as { errors?: { extensions?: { code?: unknown } }[] };
    return errors?.map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN'));
  } catch {
    return undefined;
  }
}

/** Listens on host:port; resolves with the port actually bound (PORT=0 picks one). */
export async function listen(httpServer: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  return (httpServer.address() as AddressInfo).port;
}
