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
  /** Keys callers send as `Authorization: Bearer <key>`; empty means the GraphQL endpoint is open. @default [] */
  readonly gatewayApiKeys: readonly string[];
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
  /** How long a shutdown waits for in-flight operations before closing their connections. @default 10000 */
  readonly shutdownGraceMs: number;
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

function apiKey(name: string, key: string): string {
  // The message never echoes the key: it is a secret even when malformed.
  if (!API_KEY.test(key)) {
    throw new ConfigError(name, 'must hold keys of 16 to 256 printable ASCII characters, without spaces or commas');
  }
  return key;
}

function optionalKey(env: Env, name: string): string | undefined {
  const key = text(env, name);
  return key === undefined ? undefined : apiKey(name, key);
}

function apiKeys(env: Env, name: string): string[] {
  const keys = (text(env, name) ?? '').split(',').map((key) => key.trim());
  return keys.filter(Boolean).map((key) => apiKey(name, key));
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
    gatewayApiKeys: apiKeys(env, 'GATEWAY_API_KEYS'),
    metricsApiKey: optionalKey(env, 'METRICS_API_KEY'),
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 6, 1, 100),
    maxAliases: integer(env, 'MAX_ALIASES', 15, 0, 1000),
    maxRootFields: integer(env, 'MAX_ROOT_FIELDS', 10, 1, 1000),
    maxTokens: integer(env, 'MAX_TOKENS', 1000, 100, 100_000),
    maxPsidsPerOperation: integer(env, 'MAX_PSIDS_PER_OPERATION', 250, 1, 10_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
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
