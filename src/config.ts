import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { appSecretProof } from './graph-api/credentials.js';
import { existsInVersion, isGraphField, PROFILE_FIELD_OF, type GraphField } from './core/fields.js';
import { isNumericId } from './core/ids.js';
import type { Caller } from './core/lookup.js';
import { isGraphVersion } from './core/versions.js';

/** One Page the gateway reads users of. */
export interface PageConfig {
  /** Numeric Page id; may be unknown for the single-token form without PAGE_ID. */
  readonly id: string | undefined;
  readonly token: string;
  /** App secret for appsecret_proof and webhook signatures; falls back to APP_SECRET. */
  readonly appSecret: string | undefined;
  /** The Instagram professional account linked to the Page: enables instagramUser(s) and routes `object: "instagram"` deliveries. */
  readonly instagramAccountId?: string | undefined;
}

/** A caller named in GATEWAY_CALLERS, with the key it authenticates with. */
interface CallerConfig extends Caller {
  readonly key: string;
}

/** Configuration, read from the environment once at start and validated before anything listens. */
export interface GatewayConfig {
  /** TCP port of the GraphQL endpoint. @default 4000 */
  readonly port: number;
  /** Interface to listen on. @default 127.0.0.1 */
  readonly host: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** Page access token; absent means demo mode (the built-in emulator). */
  readonly pageAccessToken: string | undefined;
  /** App secret; when set every upstream call carries appsecret_proof, and webhooks are checked with it. */
  readonly appSecret: string | undefined;
  /** Id of the Page the token belongs to; routes webhook entries. Required with webhook capture. */
  readonly pageId: string | undefined;
  /** Instagram professional account linked to PAGE_ID's Page (INSTAGRAM_ACCOUNT_ID). */
  readonly instagramAccountId?: string | undefined;
  /** Further Pages, from PAGES or PAGES_FILE. */
  readonly extraPages: readonly PageConfig[];
  /** Enables webhook capture of ad referrals at /webhook; the token Meta's handshake must send. */
  readonly webhookVerifyToken: string | undefined;
  /** Where the embedded referral store keeps its file. @default ./data */
  readonly dataDir: string;
  /** Graph API base URL, without version. @default https://graph.facebook.com */
  readonly graphApiUrl: string;
  /** Graph API version such as v25.0. @default v25.0 */
  readonly graphApiVersion: string;
  /** Deadline of one whole upstream lookup (retries included) in milliseconds. @default 5000 */
  readonly upstreamTimeoutMs: number;
  /** Retries of transient upstream failures. @default 2 */
  readonly retryMax: number;
  /** First retry delay ceiling; doubles per retry, with full jitter. @default 100 */
  readonly retryBaseMs: number;
  /** Largest retry delay. @default 1000 */
  readonly retryCapMs: number;
  /** Retried sub-requests a Page may add, in percent of those sent first (plus a reserve of 1 per second). @default 10 */
  readonly retryBudgetPercent: number;
  /** Consecutive failed upstream exchanges that open the circuit breaker. @default 5 */
  readonly breakerThreshold: number;
  /** How long the open breaker fails fast before one probe. @default 10000 */
  readonly breakerCooldownMs: number;
  /** Back-off after a rate-limit error without usage headers. @default 60000 */
  readonly rateLimitBackoffMs: number;
  /** How long a missing permission or field is remembered. @default 600000 */
  readonly capabilityTtlMs: number;
  /** Maximum concurrent connections to the Graph API (per Page). @default 64 */
  readonly upstreamConnections: number;
  /** Largest upstream response body accepted, in bytes. @default 4 MiB */
  readonly upstreamMaxResponseBytes: number;
  /** Largest GraphQL request body accepted, in bytes. @default 1 MiB */
  readonly maxRequestBytes: number;
  /** Time a client has to send a request's headers, in milliseconds. @default 10000 */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included, in milliseconds. @default 30000 */
  readonly requestTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Keys callers send as `Authorization: Bearer <key>`; empty means the GraphQL endpoint is open. @default [] */
  readonly gatewayApiKeys: readonly string[];
  /** Named callers with a priority and an optional budget, from GATEWAY_CALLERS or GATEWAY_CALLERS_FILE. @default [] */
  readonly callers: readonly CallerConfig[];
  /** Reported Page usage, in percent, from which bulk callers' lookups are shed. @default 75 */
  readonly bulkShedAtPercent: number;
  /** Key that `GET /metrics` requires as a Bearer token; absent means metrics are open. @default undefined */
  readonly metricsApiKey: string | undefined;
  /** Deepest field nesting an operation may have (fragments do not add levels). @default 6 */
  readonly maxQueryDepth: number;
  /** Most aliases an operation may use. @default 15 */
  readonly maxAliases: number;
  /** Most fields an operation may select at its root, aliases included. @default 10 */
  readonly maxRootFields: number;
  /** Most lexical tokens a document may have; the parser stops at the limit. @default 1000 */
  readonly maxTokens: number;
  /** Most distinct PSIDs one operation may ask for, across all its fields. @default 250 */
  readonly maxPsidsPerOperation: number;
  /** Most PSIDs of operations under way at once, all callers together; past it 503 (OVERLOADED). @default 20000 */
  readonly maxPsidsInFlight: number;
  /** Most PSIDs of operations under way at once for one caller; past it 503 (OVERLOADED). @default 5000 */
  readonly maxPsidsInFlightPerCaller: number;
  /** Largest query text accepted, in UTF-8 bytes, refused before parsing (comments count). @default 16 KiB */
  readonly maxQueryBytes: number;
  /** Bound of the parsed-document cache and, separately, of the compiled-query cache, in estimated heap bytes. @default 16 MiB */
  readonly queryCacheMaxBytes: number;
  /** Event-loop delay from which new operations are refused with 503 + Retry-After; 0 turns it off. @default 2000 */
  readonly eventLoopLagLimitMs: number;
  /** How long a shutdown waits for in-flight operations before closing their connections. @default 10000 */
  readonly shutdownGraceMs: number;
  /** How long a cached profile field counts as fresh, in seconds; 0 turns the cache off. @default 300 */
  readonly profileCacheTtl: number;
  /** How long a cached "no profile" answer counts as fresh, in seconds. @default 60 */
  readonly negativeCacheTtl: number;
  /** How old a cached answer may be and still stand in for a failing Graph API, in seconds. @default 86400 */
  readonly profileStaleTtl: number;
  /** Approximate size bound of the in-memory cache, in bytes. @default 32 MiB */
  readonly profileCacheMaxBytes: number;
  /** Redis shared by all instances (redis:// or rediss://); absent means the in-memory cache. */
  readonly redisUrl: string | undefined;
  /** Longest wait for one Redis command, whichever feature sends it (see docs/redis.md). @default 100 */
  readonly redisTimeoutMs: number;
  /** Warm the profile of each user who writes to the Page (needs webhook capture and the cache). @default false */
  readonly prefetchOnMessage: boolean;
  /** Graph fields a prefetch asks for. @default first_name, last_name, profile_pic */
  readonly prefetchFields: readonly GraphField[];
  /** How long messages gather before their users are prefetched together (≤ 50 per batch). @default 100 */
  readonly prefetchWindowMs: number;
  /** Prefetch batches in flight per Page at most. @default 1 */
  readonly prefetchConcurrency: number;
  /** Users waiting for a prefetch per Page at most; past it the oldest are dropped. @default 1000 */
  readonly prefetchMaxQueued: number;
  /** Prefetch lookups per minute per Page, counted like a caller's budget (across instances with Redis). @default 600 */
  readonly prefetchLookupsPerMinute: number;
  /** OpenTelemetry trace export; undefined (the SDK never loaded) without an OTLP endpoint. */
  readonly tracing: TracingConfig | undefined;
  /** The app's id; with APP_SECRET, each Page token is checked with debug_token. */
  readonly appId: string | undefined;
  /** How often debug_token is asked about each Page token, in seconds. @default 21600 (6 h) */
  readonly tokenCheckInterval: number;
  /** While a Page token is refused, one lookup per this interval goes through to test it. @default 30000 */
  readonly tokenProbeIntervalMs: number;
  /** While usage reads ≥ 100 % with no refusal and no regain time, one lookup per this interval goes through. @default 5000 */
  readonly usageProbeIntervalMs: number;
  /** Files re-read on SIGHUP and when they change (PAGES_FILE, GATEWAY_CALLERS_FILE, PAGE_ACCESS_TOKEN_FILE). @default [] */
  readonly reloadableFiles: readonly string[];
  /** Sign-in tokens (JWT) browsers authenticate with; undefined: API keys only. */
  readonly jwt: JwtConfig | undefined;
  /** Origins (scheme://host[:port]) whose pages may call /graphql from a browser; `*` only for an open endpoint. @default [] */
  readonly corsOrigins: readonly string[];
  /** How long a browser may reuse a preflight's answer, in seconds. @default 600 */
  readonly corsMaxAgeSeconds: number;
  /** Origin (and path prefix) browsers reach the gateway at, for avatar URLs. @default the listening address */
  readonly publicUrl: string | undefined;
  /** Keys that sign avatar URLs: the first signs, all verify (rotation). Empty: avatars off. @default [] */
  readonly avatarSigningKeys: readonly string[];
  /** Lifetime of an avatar URL in seconds; 0 means it never expires. @default 0 */
  readonly avatarUrlTtl: number;
  /** Hosts pictures may be fetched from (`*.suffix`, `host`, `host:port`). @default *.fbcdn.net, *.fbsbx.com, *.cdninstagram.com */
  readonly avatarHosts: readonly string[];
  /** Largest picture fetched, in bytes. @default 1 MiB */
  readonly avatarMaxBytes: number;
  /** Deadline of one picture fetch from the CDN, in milliseconds. @default 5000 */
  readonly avatarFetchTimeoutMs: number;
  /** Size bound of the in-memory picture cache, in bytes. @default 64 MiB */
  readonly avatarCacheMaxBytes: number;
  /** How long last good picture bytes are kept (memory and Redis), in seconds. @default 604800 */
  readonly avatarCacheTtl: number;
  /** Graph API lookups per minute and Page that avatar requests (no caller key) may cause. @default 600 */
  readonly avatarLookupsPerMinute: number;
}

/** How sign-in tokens are checked and what their claims mean (AUTH_JWT_*, AUTH_JWKS_URL). */
export interface JwtConfig {
  /** AUTH_JWKS_URL: the issuer's key set, fetched at start and on an unknown `kid`. */
  readonly jwksUrl: string | undefined;
  /** AUTH_JWT_PUBLIC_KEY: one key (PEM or JWK JSON), instead of a key set. */
  readonly publicKey: KeyObject | undefined;
  /** AUTH_JWT_ISSUER: the `iss` every token must carry. */
  readonly issuer: string;
  /** AUTH_JWT_AUDIENCE: an `aud` every token must carry. */
  readonly audience: string;
  /** AUTH_JWT_CALLER_CLAIM: the claim that names the caller. @default sub */
  readonly callerClaim: string;
  /** AUTH_JWT_PAGES_CLAIM: the claim listing the Page ids it may read; absent means none. @default pages */
  readonly pagesClaim: string;
  /** AUTH_JWT_PRIORITY_CLAIM: the claim that says "bulk" for a bulk caller; else interactive. @default priority */
  readonly priorityClaim: string;
  /** AUTH_JWT_CLOCK_SKEW_SECONDS: leeway on exp, nbf and iat. @default 30 */
  readonly clockSkewSeconds: number;
  /** AUTH_JWT_LOOKUPS_PER_MINUTE: each token caller's budget; undefined: none. */
  readonly lookupsPerMinute: number | undefined;
}

const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Trace export over OTLP/HTTP, from OpenTelemetry's standard OTEL_* variables. */
export interface TracingConfig {
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly url: string;
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL. @default http/protobuf */
  readonly protocol: 'http/protobuf' | 'http/json';
  /** OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS; often a collector's key, so never printed. */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES). @default messenger-profile-gateway */
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, e.g. deployment.environment.name=staging. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** OTEL_TRACES_SAMPLER. @default parentbased_always_on */
  readonly sampler: (typeof TRACE_SAMPLERS)[number];
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers. @default 1 */
  readonly samplerRatio: number;
  /** OTEL_BSP_SCHEDULE_DELAY: milliseconds between two exports. @default 5000 */
  readonly scheduledDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans kept waiting for export; past it new spans are dropped. @default 2048 */
  readonly maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: most spans per export request. @default 512 */
  readonly maxExportBatchSize: number;
  /** OTEL_BSP_EXPORT_TIMEOUT: longest wait for one export request. @default 30000 */
  readonly exportTimeoutMs: number;
  /**
   * TRACEPARENT_FROM: whose `traceparent` (trace id) and Apollo client-name headers a span takes:
   * `authenticated` callers only, `anyone`, or `nobody`. @default authenticated
   */
  readonly traceparentFrom: 'authenticated' | 'anyone' | 'nobody';
}

/**
 * Every start-up configuration error reads `Invalid configuration: VARIABLE problem`, or, for a
 * variable holding several entries, `Invalid configuration: VARIABLE[entry] problem`: the entry is
 * the 1-based position in a comma-separated list, or the key in a JSON object (a Page id, a caller
 * name). A message never quotes a secret.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    readonly entry?: string,
  ) {
    super(`Invalid configuration: ${variable}${entry === undefined ? '' : `[${entry}]`} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;
const DAY = 24 * 3600;

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function baseUrl(env: Env, name: string, fallback: string): string {
  const raw = text(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must use http or https');
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, 'must not carry a query, fragment or credentials');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

const API_KEY = /^[\x21-\x2b\x2d-\x7e]{16,256}$/;

function apiKey(name: string, key: string, entry?: string): string {
  // The message never echoes the key: it is a secret even when malformed.
  if (!API_KEY.test(key)) {
    throw new ConfigError(name, 'must be a key of 16 to 256 printable ASCII characters, without spaces or commas', entry);
  }
  return key;
}

function optionalKey(env: Env, name: string): string | undefined {
  const key = text(env, name);
  return key === undefined ? undefined : apiKey(name, key);
}

function apiKeys(env: Env, name: string): string[] {
  const keys = (text(env, name) ?? '').split(',').map((key) => key.trim());
  return keys.filter(Boolean).map((key, i) => apiKey(name, key, String(i + 1)));
}

function redisUrl(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The URL may carry a password: the message never repeats it.
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') {
    throw new ConfigError(name, 'must be a redis:// or rediss:// URL');
  }
  return raw;
}

const DEFAULT_GRAPH_API_VERSION = 'v25.0';
const DEFAULT_AVATAR_HOSTS = ['*.fbcdn.net', '*.fbsbx.com', '*.cdninstagram.com'];
const DEFAULT_PREFETCH_FIELDS = 'first_name,last_name,profile_pic';

/** Graph field names (first_name, …) from the catalog that the configured version still has. */
function graphFields(env: Env, name: string, fallback: string, version: string): GraphField[] {
  const names = (text(env, name) ?? fallback).split(',').map((field) => field.trim()).filter(Boolean);
  if (names.length === 0) throw new ConfigError(name, 'must name at least one field');
  for (const field of names) {
    if (!isGraphField(field)) {
      throw new ConfigError(name, `is not a profile field; use Graph names: ${Object.keys(PROFILE_FIELD_OF).join(', ')}`, field.slice(0, 40));
    }
    if (!existsInVersion(PROFILE_FIELD_OF[field], version)) throw new ConfigError(name, `is a field Graph API ${version} does not have`, field);
  }
  return [...new Set(names as GraphField[])];
}

/** Parses and validates the environment. Throws a ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const graphApiVersion = text(env, 'GRAPH_API_VERSION') ?? DEFAULT_GRAPH_API_VERSION;
  if (!isGraphVersion(graphApiVersion)) {
    throw new ConfigError('GRAPH_API_VERSION', `must look like v25.0, got "${graphApiVersion}"`);
  }
  const pageAccessToken = tokenSetting(env);
  const pageId = text(env, 'PAGE_ID');
  if (pageId !== undefined && !isNumericId(pageId)) throw new ConfigError('PAGE_ID', 'must be a numeric Page id');
  const appSecret = text(env, 'APP_SECRET');
  const extraPages = parsePages(env);
  if (pageId !== undefined && extraPages.some((p) => p.id === pageId)) {
    throw new ConfigError('PAGES', `lists Page ${pageId}, which PAGE_ID already names`);
  }
  const instagramAccountId = text(env, 'INSTAGRAM_ACCOUNT_ID');
  if (instagramAccountId !== undefined) {
    if (!isNumericId(instagramAccountId)) throw new ConfigError('INSTAGRAM_ACCOUNT_ID', 'must be a numeric Instagram account id');
    if (pageAccessToken === undefined || pageId === undefined) {
      throw new ConfigError('INSTAGRAM_ACCOUNT_ID', 'needs PAGE_ACCESS_TOKEN and PAGE_ID: it names the account linked to that Page');
    }
  }
  const instagramIds = [instagramAccountId, ...extraPages.map((p) => p.instagramAccountId)].filter((id) => id !== undefined);
  if (new Set(instagramIds).size !== instagramIds.length) {
    throw new ConfigError(instagramAccountId ? 'INSTAGRAM_ACCOUNT_ID' : 'PAGES', 'names one Instagram account for two Pages (webhook entries are routed by it)');
  }
  const webhookVerifyToken = text(env, 'WEBHOOK_VERIFY_TOKEN');
  if (webhookVerifyToken !== undefined && pageAccessToken !== undefined) {
    if (!appSecret) throw new ConfigError('APP_SECRET', 'is required when WEBHOOK_VERIFY_TOKEN is set (deliveries are signed with it)');
    if (!pageId) throw new ConfigError('PAGE_ID', 'is required when WEBHOOK_VERIFY_TOKEN is set (webhook entries are routed by Page id)');
  }
  if (webhookVerifyToken !== undefined && !appSecret && extraPages.some((p) => !p.appSecret)) {
    throw new ConfigError('PAGES', 'needs an appSecret for every Page (or APP_SECRET) when WEBHOOK_VERIFY_TOKEN is set');
  }
  const gatewayApiKeys = apiKeys(env, 'GATEWAY_API_KEYS');
  const callers = parseCallers(env, gatewayApiKeys);
  const prefetchOnMessage = oneOf(env, 'PREFETCH_ON_MESSAGE', ['true', 'false'], 'false') === 'true';
  const profileCacheTtl = integer(env, 'PROFILE_CACHE_TTL', 300, 0, 30 * DAY);
  if (prefetchOnMessage) {
    // Demo mode (no token, no PAGES) turns webhook capture on by itself.
    const demo = pageAccessToken === undefined && extraPages.length === 0;
    if (webhookVerifyToken === undefined && !demo) throw new ConfigError('PREFETCH_ON_MESSAGE', 'needs WEBHOOK_VERIFY_TOKEN: messages arrive by webhook');
    if (profileCacheTtl === 0) throw new ConfigError('PREFETCH_ON_MESSAGE', 'needs the profile cache (PROFILE_CACHE_TTL above 0): a prefetch is kept there');
  }
  const jwt = jwtConfig(env);
  const corsOrigins = origins(env, 'CORS_ORIGINS');
  if (corsOrigins.includes('*') && (gatewayApiKeys.length > 0 || callers.length > 0 || jwt)) {
    throw new ConfigError('CORS_ORIGINS', 'cannot be * while callers authenticate: list the origins of the frontends');
  }
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`);
  }
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const avatarSigningKeys = signingKeys(env, 'AVATAR_SIGNING_KEY');
  const publicUrl = text(env, 'PUBLIC_URL') === undefined ? undefined : baseUrl(env, 'PUBLIC_URL', '');
  if (avatarSigningKeys.length > 0 && publicUrl === undefined && nodeEnv === 'production') {
    throw new ConfigError('PUBLIC_URL', 'is required in production when AVATAR_SIGNING_KEY is set: avatar URLs are made on it');
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    nodeEnv,
    pageAccessToken,
    appSecret,
    pageId,
    ...(instagramAccountId !== undefined ? { instagramAccountId } : {}),
    extraPages,
    webhookVerifyToken,
    dataDir: text(env, 'DATA_DIR') ?? './data',
    graphApiUrl: baseUrl(env, 'GRAPH_API_URL', 'https://graph.facebook.com'),
    graphApiVersion,
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 1, 600_000),
    retryMax: integer(env, 'RETRY_MAX', 2, 0, 10),
    retryBaseMs: integer(env, 'RETRY_BASE_MS', 100, 0, 60_000),
    retryCapMs: integer(env, 'RETRY_CAP_MS', 1000, 0, 600_000),
    retryBudgetPercent: integer(env, 'RETRY_BUDGET_PERCENT', 10, 0, 100),
    breakerThreshold: integer(env, 'BREAKER_THRESHOLD', 5, 1, 10_000),
    breakerCooldownMs: integer(env, 'BREAKER_COOLDOWN_MS', 10_000, 1, 3_600_000),
    rateLimitBackoffMs: integer(env, 'RATE_LIMIT_BACKOFF_MS', 60_000, 0, 86_400_000),
    capabilityTtlMs: integer(env, 'CAPABILITY_TTL_MS', 600_000, 0, 86_400_000),
    upstreamConnections: integer(env, 'UPSTREAM_CONNECTIONS', 64, 1, 1024),
    upstreamMaxResponseBytes: integer(env, 'UPSTREAM_MAX_RESPONSE_BYTES', 4 * 1024 * 1024, 1024, 1024 ** 3),
    maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    headersTimeoutMs,
    requestTimeoutMs,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    gatewayApiKeys,
    callers,
    bulkShedAtPercent: integer(env, 'BULK_SHED_AT_PERCENT', 75, 1, 100),
    metricsApiKey: optionalKey(env, 'METRICS_API_KEY'),
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 6, 1, 100),
    maxAliases: integer(env, 'MAX_ALIASES', 15, 0, 1000),
    maxRootFields: integer(env, 'MAX_ROOT_FIELDS', 10, 1, 1000),
    maxTokens: integer(env, 'MAX_TOKENS', 1000, 100, 100_000),
    maxPsidsPerOperation: integer(env, 'MAX_PSIDS_PER_OPERATION', 250, 1, 10_000),
    maxQueryBytes: integer(env, 'MAX_QUERY_BYTES', 16 * 1024, 256, 1024 * 1024),
    maxPsidsInFlight: integer(env, 'MAX_PSIDS_IN_FLIGHT', 20_000, 1, 10_000_000),
    maxPsidsInFlightPerCaller: integer(env, 'MAX_PSIDS_IN_FLIGHT_PER_CALLER', 5_000, 1, 10_000_000),
    queryCacheMaxBytes: integer(env, 'QUERY_CACHE_MAX_BYTES', 16 * 1024 * 1024, 64 * 1024, 1024 ** 3),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    eventLoopLagLimitMs: integer(env, 'EVENT_LOOP_LAG_LIMIT_MS', 2000, 0, 600_000),
    profileCacheTtl,
    negativeCacheTtl: integer(env, 'NEGATIVE_CACHE_TTL', 60, 0, 30 * DAY),
    profileStaleTtl: integer(env, 'PROFILE_STALE_TTL', DAY, 0, 30 * DAY),
    profileCacheMaxBytes: integer(env, 'PROFILE_CACHE_MAX_BYTES', 32 * 1024 * 1024, 1024, 64 * 1024 ** 3),
    redisUrl: redisUrl(env, 'REDIS_URL'),
    redisTimeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 100, 1, 60_000),
    prefetchOnMessage,
    prefetchFields: graphFields(env, 'PREFETCH_FIELDS', DEFAULT_PREFETCH_FIELDS, graphApiVersion),
    prefetchWindowMs: integer(env, 'PREFETCH_WINDOW_MS', 100, 0, 10_000),
    prefetchConcurrency: integer(env, 'PREFETCH_CONCURRENCY', 1, 1, 64),
    prefetchMaxQueued: integer(env, 'PREFETCH_MAX_QUEUED', 1000, 1, 1_000_000),
    prefetchLookupsPerMinute: integer(env, 'PREFETCH_LOOKUPS_PER_MINUTE', 600, 1, MAX_LOOKUPS_PER_MINUTE),
    tracing: tracingConfig(env),
    appId: appIdSetting(env, appSecret),
    tokenCheckInterval: integer(env, 'TOKEN_CHECK_INTERVAL', 6 * 3600, 60, 30 * DAY),
    tokenProbeIntervalMs: integer(env, 'TOKEN_PROBE_INTERVAL_MS', 30_000, 100, 86_400_000),
    usageProbeIntervalMs: integer(env, 'USAGE_PROBE_INTERVAL_MS', 5000, 100, 600_000),
    reloadableFiles: ['PAGES_FILE', 'GATEWAY_CALLERS_FILE', 'PAGE_ACCESS_TOKEN_FILE'].flatMap((name) => text(env, name) ?? []),
    jwt,
    corsOrigins,
    corsMaxAgeSeconds: integer(env, 'CORS_MAX_AGE_SECONDS', 600, 0, DAY),
    publicUrl,
    avatarSigningKeys,
    avatarUrlTtl: integer(env, 'AVATAR_URL_TTL', 0, 0, 3650 * DAY),
    avatarHosts: hostList(env, 'AVATAR_HOSTS', DEFAULT_AVATAR_HOSTS),
    avatarMaxBytes: integer(env, 'AVATAR_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    avatarFetchTimeoutMs: integer(env, 'AVATAR_FETCH_TIMEOUT_MS', 5000, 1, 600_000),
    avatarCacheMaxBytes: integer(env, 'AVATAR_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 64 * 1024 ** 3),
    avatarCacheTtl: integer(env, 'AVATAR_CACHE_TTL', 7 * DAY, 60, 365 * DAY),
    avatarLookupsPerMinute: integer(env, 'AVATAR_LOOKUPS_PER_MINUTE', 600, 1, MAX_LOOKUPS_PER_MINUTE),
  };
}

/** CORS_ORIGINS: exact origins, as a browser sends them in `Origin`; or `*` alone. */
function origins(env: Env, name: string): string[] {
  const list = (text(env, name) ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError(name, 'cannot list origins beside *');
    return list;
  }
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed?.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new ConfigError(name, `must list origins like https://console.example.com (scheme, host, port; no path or trailing slash), got "${origin.slice(0, 80)}"`);
    }
  }
  return [...new Set(list)];
}

/** The AUTH_* sign-in token settings; undefined when neither AUTH_JWKS_URL nor AUTH_JWT_PUBLIC_KEY is set. */
function jwtConfig(env: Env): JwtConfig | undefined {
  const jwksUrl = text(env, 'AUTH_JWKS_URL');
  const pem = text(env, 'AUTH_JWT_PUBLIC_KEY');
  if (jwksUrl === undefined && pem === undefined) {
    const stray = ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'].find((name) => text(env, name) !== undefined);
    if (stray) throw new ConfigError(stray, 'needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY');
    return undefined;
  }
  if (jwksUrl !== undefined && pem !== undefined) throw new ConfigError('AUTH_JWT_PUBLIC_KEY', 'cannot be combined with AUTH_JWKS_URL');
  const issuer = text(env, 'AUTH_JWT_ISSUER');
  if (issuer === undefined) throw new ConfigError('AUTH_JWT_ISSUER', 'is required with sign-in tokens: the `iss` your identity provider puts in them');
  const audience = text(env, 'AUTH_JWT_AUDIENCE');
  if (audience === undefined) throw new ConfigError('AUTH_JWT_AUDIENCE', 'is required with sign-in tokens: the `aud` your identity provider puts in tokens meant for the gateway');
  const lookups = text(env, 'AUTH_JWT_LOOKUPS_PER_MINUTE');
  return {
    jwksUrl: jwksUrl === undefined ? undefined : baseUrl(env, 'AUTH_JWKS_URL', jwksUrl),
    publicKey: pem === undefined ? undefined : publicKey('AUTH_JWT_PUBLIC_KEY', pem),
    issuer,
    audience,
    callerClaim: text(env, 'AUTH_JWT_CALLER_CLAIM') ?? 'sub',
    pagesClaim: text(env, 'AUTH_JWT_PAGES_CLAIM') ?? 'pages',
    priorityClaim: text(env, 'AUTH_JWT_PRIORITY_CLAIM') ?? 'priority',
    clockSkewSeconds: integer(env, 'AUTH_JWT_CLOCK_SKEW_SECONDS', 30, 0, 300),
    lookupsPerMinute: lookups === undefined ? undefined : integer(env, 'AUTH_JWT_LOOKUPS_PER_MINUTE', 0, 1, MAX_LOOKUPS_PER_MINUTE),
  };
}

/** A public key in PEM (SPKI) or as a JWK in JSON; never a shared secret, which would let whoever checks tokens also mint them. */
function publicKey(name: string, raw: string): KeyObject {
  let key: KeyObject;
  try {
    key = raw.startsWith('{') ? createPublicKey({ key: JSON.parse(raw) as Record<string, unknown> as never, format: 'jwk' }) : createPublicKey(raw.replace(/\\n/g, '\n'));
  } catch {
    throw new ConfigError(name, 'must be a public key in PEM (-----BEGIN PUBLIC KEY-----) or a public JWK in JSON');
  }
  if (/PRIVATE KEY/.test(raw) || (raw.startsWith('{') && /"d"\s*:/.test(raw))) throw new ConfigError(name, 'must be the public key, not the private one');
  return key;
}

/**
 * PAGE_ACCESS_TOKEN, or PAGE_ACCESS_TOKEN_FILE: a path to a file holding it (a mounted secret), its
 * surrounding whitespace ignored. Messages never quote the token.
 */
function tokenSetting(env: Env): string | undefined {
  const file = text(env, 'PAGE_ACCESS_TOKEN_FILE');
  if (file !== undefined && text(env, 'PAGE_ACCESS_TOKEN') !== undefined) {
    throw new ConfigError('PAGE_ACCESS_TOKEN_FILE', 'cannot be combined with PAGE_ACCESS_TOKEN');
  }
  let name = 'PAGE_ACCESS_TOKEN';
  let token = text(env, name);
  if (file !== undefined) {
    name = 'PAGE_ACCESS_TOKEN_FILE';
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(name, `names a file that cannot be read: ${file}`);
    }
    if (!token) throw new ConfigError(name, `names an empty file: ${file}`);
  }
  if (token !== undefined && /\s/.test(token)) throw new ConfigError(name, 'must not contain whitespace');
  return token;
}

function appIdSetting(env: Env, appSecret: string | undefined): string | undefined {
  const appId = text(env, 'APP_ID');
  if (appId === undefined) return undefined;
  if (!isNumericId(appId)) throw new ConfigError('APP_ID', 'must be a numeric app id');
  if (!appSecret) throw new ConfigError('APP_ID', 'needs APP_SECRET: debug_token is asked with the app access token APP_ID|APP_SECRET');
  return appId;
}

/** AVATAR_SIGNING_KEY: comma-separated keys of 32 or more characters; the message never quotes one. */
function signingKeys(env: Env, name: string): string[] {
  const keys = (text(env, name) ?? '').split(',').map((key) => key.trim()).filter(Boolean);
  if (keys.some((key) => key.length < 32 || key.length > 512 || /\s/.test(key))) {
    throw new ConfigError(name, 'must hold keys of 32 to 512 characters without spaces, comma-separated (the first signs, the others only verify)');
  }
  return keys;
}

const HOST_ENTRY = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[::1\](:\d{1,5})?$/i;

/** AVATAR_HOSTS: `*.fbcdn.net`, `cdn.example.com` or `127.0.0.1:9000`, comma-separated. */
function hostList(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = text(env, name);
  if (raw === undefined) return [...fallback];
  const hosts = raw.split(',').map((host) => host.trim()).filter(Boolean);
  const bad = hosts.find((host) => !HOST_ENTRY.test(host));
  if (bad !== undefined || hosts.length === 0) {
    throw new ConfigError(name, `must list hosts like *.fbcdn.net, cdn.example.com or 127.0.0.1:9000${bad === undefined ? '' : `, got "${bad.slice(0, 60)}"`}`);
  }
  return hosts;
}

/**
 * The OTEL_* variables the gateway acts on, read from the same environment as the rest. Tracing is
 * on when an OTLP endpoint is set, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 */
function tracingConfig(env: Env): TracingConfig | undefined {
  const exporter = oneOf(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'none'], 'otlp');
  const disabled = oneOf(env, 'OTEL_SDK_DISABLED', ['true', 'false'], 'false') === 'true';
  const specific = text(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const general = text(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (disabled || exporter === 'none' || (specific === undefined && general === undefined)) return undefined;
  // Per the OTLP exporter spec: the signal's own endpoint is used as is, the general one gets /v1/traces.
  const url = specific !== undefined ? otlpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific) : `${otlpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', general!).replace(/\/+$/, '')}/v1/traces`;
  const protocolName = text(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  if (text(env, protocolName) === 'grpc') {
    throw new ConfigError(protocolName, 'grpc is not supported: use http/protobuf or http/json (the collector\'s port 4318)');
  }
  const resourceAttributes = keyValuePairs(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const scheduledDelayMs = integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 3_600_000);
  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000);
  const maxExportBatchSize = integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) throw new ConfigError('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'must not exceed OTEL_BSP_MAX_QUEUE_SIZE');
  return {
    url,
    protocol: oneOf(env, protocolName, ['http/protobuf', 'http/json'], 'http/protobuf'),
    headers: { ...keyValuePairs(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...keyValuePairs(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    serviceName: text(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'messenger-profile-gateway',
    resourceAttributes,
    sampler: oneOf(env, 'OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on'),
    samplerRatio: ratio(env, 'OTEL_TRACES_SAMPLER_ARG', 1),
    scheduledDelayMs,
    maxQueueSize,
    maxExportBatchSize,
    exportTimeoutMs: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 600_000),
    traceparentFrom: oneOf(env, 'TRACEPARENT_FROM', ['authenticated', 'anyone', 'nobody'], 'authenticated'),
  };
}

function otlpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute http(s) URL such as http://localhost:4318');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must use http or https');
  return url.toString();
}

/**
 * OpenTelemetry's `key1=value1,key2=value2` lists, values percent-encoded. Hand-written: the SDK's
 * own parser lives in @opentelemetry/core, which must not load while tracing is off. Messages never
 * quote a value (headers carry keys).
 */
function keyValuePairs(env: Env, name: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [i, item] of (text(env, name) ?? '').split(',').entries()) {
    if (!item.trim()) continue;
    const at = item.indexOf('=');
    const key = item.slice(0, Math.max(at, 0)).trim();
    let value: string;
    try {
      value = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      value = '';
    }
    if (at <= 0 || !key || !value) throw new ConfigError(name, 'must be a list like key1=value1,key2=value2 (values percent-encoded)', String(i + 1));
    pairs[key] = value;
  }
  return pairs;
}

function ratio(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1) throw new ConfigError(name, `must be a number from 0 to 1, got "${raw}"`);
  return value;
}

/**
 * A JSON object given inline (`inlineName`) or as a path to a file holding it (`fileName`), e.g. a
 * mounted secret; undefined when neither is set. `name` is the variable to blame for what is wrong.
 */
function jsonObject(env: Env, inlineName: string, fileName: string, like: string, keyedBy: string): { name: string; entries: [string, unknown][] } | undefined {
  const inline = text(env, inlineName);
  const file = text(env, fileName);
  if (inline && file) throw new ConfigError(fileName, `cannot be combined with ${inlineName}`);
  const name = file ? fileName : inlineName;
  let raw = inline;
  if (file) {
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(name, `names a file that cannot be read: ${file}`);
    }
  }
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, `must be JSON like ${like}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(name, `must be a JSON object keyed by ${keyedBy}`);
  }
  return { name, entries: Object.entries(parsed) };
}

/**
 * PAGES (JSON) or PAGES_FILE (a path to the same JSON):
 * `{"<page id>": {"token": "…", "appSecret": "…", "instagramAccountId": "…"}}` (the last two optional).
 * Messages never quote a token.
 */
function parsePages(env: Env): PageConfig[] {
  const json = jsonObject(env, 'PAGES', 'PAGES_FILE', '{"<page id>": {"token": "…", "appSecret": "…"}}', 'Page id');
  if (!json) return [];
  const { name, entries } = json;
  return entries.map(([id, value]) => {
    if (!isNumericId(id)) throw new ConfigError(name, 'is not a numeric Page id', id.slice(0, 40));
    const page = (typeof value === 'object' && value !== null ? value : {}) as { token?: unknown; appSecret?: unknown; instagramAccountId?: unknown };
    if (typeof page.token !== 'string' || !page.token || /\s/.test(page.token)) {
      throw new ConfigError(name, 'needs a token without whitespace', id);
    }
    if (page.appSecret !== undefined && (typeof page.appSecret !== 'string' || !page.appSecret)) {
      throw new ConfigError(name, 'has an appSecret that is not a non-empty string', id);
    }
    const instagram = page.instagramAccountId;
    if (instagram !== undefined && (typeof instagram !== 'string' || !isNumericId(instagram))) {
      throw new ConfigError(name, 'has an instagramAccountId that is not a numeric id string', id);
    }
    return { id, token: page.token, appSecret: page.appSecret, ...(instagram !== undefined ? { instagramAccountId: instagram } : {}) };
  });
}

// Names become metric labels, log fields and parts of Redis keys: kept short and plain.
const CALLER_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;
// In JSON a key may hold commas, unlike in the comma-separated GATEWAY_API_KEYS; never spaces (Bearer).
const CALLER_KEY = /^[\x21-\x7e]{16,256}$/;
const CALLER_FIELDS = new Set(['key', 'priority', 'lookupsPerMinute', 'pages', 'operator']);
// The gateway's own lookups are counted under these names; a caller taking one would merge with them.
const RESERVED_CALLER_NAMES = new Set(['prefetch', 'page-status']);
const MAX_LOOKUPS_PER_MINUTE = 10_000_000;

/**
 * GATEWAY_CALLERS (JSON) or GATEWAY_CALLERS_FILE: `{"<name>": {"key": "…", "priority":
 * "interactive" | "bulk", "lookupsPerMinute": N, "pages": ["<page id>", …]}}` (no `pages`: every Page). Messages never quote a key; a key may not
 * serve two callers (nor repeat one of GATEWAY_API_KEYS), or a request could not tell which it is.
 */
function parseCallers(env: Env, apiKeys: readonly string[]): CallerConfig[] {
  const json = jsonObject(
    env,
    'GATEWAY_CALLERS',
    'GATEWAY_CALLERS_FILE',
    '{"<name>": {"key": "…", "priority": "interactive", "lookupsPerMinute": 600, "operator": false}}',
    'caller name',
  );
  if (!json) return [];
  const { name, entries } = json;
  const seen = new Set(apiKeys);
  return entries.map(([caller, value]) => {
    if (!CALLER_NAME.test(caller)) {
      throw new ConfigError(name, 'is not a caller name of 1 to 64 letters, digits, ".", "_" or "-"', caller.slice(0, 40));
    }
    if (RESERVED_CALLER_NAMES.has(caller)) throw new ConfigError(name, `may not name a caller "${caller}": the gateway's own lookups use that name`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(name, 'needs an object', caller);
    }
    const unknown = Object.keys(value).find((field) => !CALLER_FIELDS.has(field));
    if (unknown !== undefined) throw new ConfigError(name, `has an unknown setting "${unknown.slice(0, 40)}"`, caller);
    const { key, priority, lookupsPerMinute, operator } = value as { key?: unknown; priority?: unknown; lookupsPerMinute?: unknown; operator?: unknown };
    if (typeof key !== 'string' || !CALLER_KEY.test(key)) {
      throw new ConfigError(name, 'needs a key of 16 to 256 printable ASCII characters, without spaces', caller);
    }
    if (seen.has(key)) throw new ConfigError(name, 'has a key that another caller or GATEWAY_API_KEYS already has', caller);
    seen.add(key);
    if (priority !== 'interactive' && priority !== 'bulk') {
      throw new ConfigError(name, 'needs "priority": "interactive" or "bulk"', caller);
    }
    if (
      lookupsPerMinute !== undefined &&
      !(Number.isInteger(lookupsPerMinute) && (lookupsPerMinute as number) >= 1 && (lookupsPerMinute as number) <= MAX_LOOKUPS_PER_MINUTE)
    ) {
      throw new ConfigError(name, `needs a whole lookupsPerMinute between 1 and ${MAX_LOOKUPS_PER_MINUTE}`, caller);
    }
    if (operator !== undefined && typeof operator !== 'boolean') throw new ConfigError(name, 'needs "operator": true or false', caller);
    return {
      name: caller,
      key,
      priority,
      lookupsPerMinute: lookupsPerMinute as number | undefined,
      pages: callerPages(name, caller, (value as { pages?: unknown }).pages),
      ...(operator === true && { operator }),
    };
  });
}

/** A caller's `pages`: Page ids it may read; absent means every Page. Not checked against PAGES, as a sign-in token's list is not either. */
function callerPages(name: string, caller: string, pages: unknown): string[] | undefined {
  if (pages === undefined) return undefined;
  if (!Array.isArray(pages) || !pages.every((id) => typeof id === 'string' && isNumericId(id))) {
    throw new ConfigError(name, "needs \"pages\" to be a list of numeric Page ids", caller);
  }
  return [...new Set(pages as string[])];
}

/**
 * Every key a GraphQL request may authenticate with, and the caller it stands for: the named
 * callers, and each GATEWAY_API_KEYS key as an interactive caller without a budget, named by its
 * position (`GATEWAY_API_KEYS#1`, …; "#" is no caller name's, so the two never clash). Such a key
 * is already unlimited, so it is an operator too; GATEWAY_CALLERS is the way to tell callers apart.
 */
export function callerKeys(config: Pick<GatewayConfig, 'callers' | 'gatewayApiKeys'>): [key: string, caller: Caller][] {
  return [
    ...config.callers.map(({ key, ...caller }): [string, Caller] => [key, caller]),
    ...config.gatewayApiKeys.map((key, i): [string, Caller] => [key, { name: `GATEWAY_API_KEYS#${i + 1}`, priority: 'interactive', operator: true }]),
  ];
}

/** Every configured Page: the PAGE_ACCESS_TOKEN one first, then PAGES. */
export function configuredPages(config: GatewayConfig): PageConfig[] {
  const single = config.pageAccessToken
    ? [{ id: config.pageId, token: config.pageAccessToken, appSecret: config.appSecret, instagramAccountId: config.instagramAccountId }]
    : [];
  return [...single, ...config.extraPages.map((p) => ({ ...p, appSecret: p.appSecret ?? config.appSecret }))];
}

/** The settings that hold secrets (or, for redisUrl, may). */
export type SecretSetting =
  | 'pageAccessToken'
  | 'appSecret'
  | 'gatewayApiKeys'
  | 'callers'
  | 'metricsApiKey'
  | 'extraPages'
  | 'redisUrl'
  | 'tracing'
  | 'avatarSigningKeys';

/**
 * Every value that must never be printed: tokens, app secrets, API keys, the Redis password, the
 * trace collector's headers and password, and each Page's appsecret_proof (derived from the token,
 * and as good as one to an attacker).
 */
export function secretsOf(
  config: Partial<Pick<GatewayConfig, SecretSetting>>,
): string[] {
  const pages = [
    { token: config.pageAccessToken, appSecret: config.appSecret },
    ...(config.extraPages ?? []).map((page) => ({ token: page.token, appSecret: page.appSecret ?? config.appSecret })),
  ];
  const secrets = [
    config.pageAccessToken,
    config.appSecret,
    config.metricsApiKey,
    ...(config.gatewayApiKeys ?? []),
    ...(config.avatarSigningKeys ?? []),
    ...(config.callers ?? []).map((caller) => caller.key),
    ...(config.extraPages ?? []).flatMap((page) => [page.token, page.appSecret]),
    urlPassword(config.redisUrl),
    ...Object.values(config.tracing?.headers ?? {}),
    urlPassword(config.tracing?.url),
    ...pages.flatMap(({ token, appSecret }) => (token && appSecret ? [appSecretProof(token, appSecret)] : [])),
  ];
  return secrets.filter((secret): secret is string => Boolean(secret));
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
