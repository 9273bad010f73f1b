/** Configuration, read from the environment once at start and validated before anything listens. */
export interface GatewayConfig {
  /** TCP port of the GraphQL endpoint. @default 4000 */
  readonly port: number;
  /** Interface to listen on. @default 127.0.0.1 */
  readonly host: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** Page access token; absent means demo mode (the built-in emulator). */
  readonly pageAccessToken: string | undefined;
  /** App secret; when set every upstream call carries appsecret_proof. */
  readonly appSecret: string | undefined;
  /** Graph API base URL, without version. @default https://graph.facebook.com */
  readonly graphApiUrl: string;
  /** Graph API version such as v25.0. @default v25.0 */
  readonly graphApiVersion: string;
  /** Deadline of one upstream lookup in milliseconds. @default 5000 */
  readonly upstreamTimeoutMs: number;
  /** Maximum concurrent connections to the Graph API. @default 16 */
  readonly upstreamConnections: number;
  /** Largest upstream response body accepted, in bytes. @default 4 MiB */
  readonly upstreamMaxResponseBytes: number;
  /** Largest GraphQL request body accepted, in bytes. @default 1 MiB */
  readonly maxRequestBytes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Facebook Page ID, used only to key the profile cache; absent means a key derived from the token. */
  readonly pageId: string | undefined;
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
  /** Longest wait for one Redis command before answering as if the cache missed. @default 100 */
  readonly redisTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const VERSION = /^v(\d{1,3})\.(\d{1,2})$/;
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

export const DEFAULT_GRAPH_API_VERSION = 'v25.0';

/** Parses and validates the environment. Throws a ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const graphApiVersion = text(env, 'GRAPH_API_VERSION') ?? DEFAULT_GRAPH_API_VERSION;
  if (!VERSION.test(graphApiVersion)) {
    throw new ConfigError('GRAPH_API_VERSION', `must look like v25.0, got "${graphApiVersion}"`);
  }
  const pageAccessToken = text(env, 'PAGE_ACCESS_TOKEN');
  if (pageAccessToken !== undefined && /\s/.test(pageAccessToken)) {
    throw new ConfigError('PAGE_ACCESS_TOKEN', 'must not contain whitespace');
  }
  const pageId = text(env, 'PAGE_ID');
  if (pageId !== undefined && !/^\d{1,32}$/.test(pageId)) {
    throw new ConfigError('PAGE_ID', `must be 1 to 32 decimal digits, got "${pageId}"`);
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    nodeEnv: oneOf(env, 'NODE_ENV', NODE_ENVS, 'development'),
    pageAccessToken,
    appSecret: text(env, 'APP_SECRET'),
    graphApiUrl: baseUrl(env, 'GRAPH_API_URL', 'https://graph.facebook.com'),
    graphApiVersion,
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 1, 600_000),
    upstreamConnections: integer(env, 'UPSTREAM_CONNECTIONS', 16, 1, 1024),
    upstreamMaxResponseBytes: integer(env, 'UPSTREAM_MAX_RESPONSE_BYTES', 4 * 1024 * 1024, 1024, 1024 ** 3),
    maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    pageId,
    profileCacheTtl: integer(env, 'PROFILE_CACHE_TTL', 300, 0, 30 * DAY),
    negativeCacheTtl: integer(env, 'NEGATIVE_CACHE_TTL', 60, 0, 30 * DAY),
    profileStaleTtl: integer(env, 'PROFILE_STALE_TTL', DAY, 0, 30 * DAY),
    profileCacheMaxBytes: integer(env, 'PROFILE_CACHE_MAX_BYTES', 32 * 1024 * 1024, 1024, 64 * 1024 ** 3),
    redisUrl: redisUrl(env, 'REDIS_URL'),
    redisTimeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 100, 1, 60_000),
  };
}

/** [major, minor] of a version string already validated by loadConfig. */
export function parseVersion(version: string): readonly [number, number] {
  const match = VERSION.exec(version);
  if (!match) throw new TypeError(`Expected a Graph API version like v25.0, got "${version}"`);
  return [Number(match[1]), Number(match[2])];
}

/** True when version a is older than version b. */
export function versionBefore(a: string, b: string): boolean {
  const [am, an] = parseVersion(a);
  const [bm, bn] = parseVersion(b);
  return am < bm || (am === bm && an < bn);
}
