import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretsOf } from '../src/config.js';
import { versionBefore } from '../src/core/versions.js';

describe('configuration', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      nodeEnv: 'development',
      pageAccessToken: undefined,
      graphApiUrl: 'https://graph.facebook.com',
      graphApiVersion: 'v25.0',
      upstreamTimeoutMs: 5000,
      logLevel: 'info',
    });
  });

  it('avatars: off by default, Meta CDN hosts, no URL expiry; a short key or a bad host is refused by name, never echoed', () => {
    expect(loadConfig({})).toMatchObject({
      avatarSigningKeys: [],
      avatarUrlTtl: 0,
      avatarHosts: ['*.fbcdn.net', '*.fbsbx.com', '*.cdninstagram.com'],
      avatarMaxBytes: 1024 * 1024,
      avatarFetchTimeoutMs: 5000,
      avatarCacheMaxBytes: 64 * 1024 * 1024,
      avatarCacheTtl: 7 * 24 * 3600,
      avatarLookupsPerMinute: 600,
      publicUrl: undefined,
    });
    const keys = 'a-new-avatar-signing-key-0123456789ab, an-old-avatar-signing-key-0123456789a';
    expect(loadConfig({ AVATAR_SIGNING_KEY: keys }).avatarSigningKeys).toEqual(['a-new-avatar-signing-key-0123456789ab', 'an-old-avatar-signing-key-0123456789a']);
    expect(secretsOf(loadConfig({ AVATAR_SIGNING_KEY: keys }))).toContain('an-old-avatar-signing-key-0123456789a');
    let message = '';
    try {
      loadConfig({ AVATAR_SIGNING_KEY: 'short-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: AVATAR_SIGNING_KEY must hold keys of 32 to 512 characters/);
    expect(message).not.toContain('short-secret');
    expect(() => loadConfig({ AVATAR_HOSTS: 'https://cdn.example/x' })).toThrowError(/AVATAR_HOSTS must list hosts like/);
    expect(loadConfig({ AVATAR_HOSTS: '*.fbcdn.net, 127.0.0.1:9000' }).avatarHosts).toEqual(['*.fbcdn.net', '127.0.0.1:9000']);
    expect(loadConfig({ PUBLIC_URL: 'https://profiles.example.com/' }).publicUrl).toBe('https://profiles.example.com');
    expect(() => loadConfig({ PUBLIC_URL: 'profiles.example.com' })).toThrowError(/PUBLIC_URL must be an absolute http\(s\) URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', AVATAR_SIGNING_KEY: 'a-new-avatar-signing-key-0123456789ab' })).toThrowError(
      /PUBLIC_URL is required in production when AVATAR_SIGNING_KEY is set/,
    );
  });

  it('gives slow clients 10 s for headers and 30 s for a request, and refuses headers given longer than the request', () => {
    expect(loadConfig({})).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000' })).toThrowError(
      /^Invalid configuration: HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS \(4000\), got 5000$/,
    );
  });

  it('accepts any vN.N version, the 2016 doc\'s v2.6 included', () => {
    expect(loadConfig({ GRAPH_API_VERSION: 'v2.6' }).graphApiVersion).toBe('v2.6');
    expect(loadConfig({ GRAPH_API_VERSION: 'v26.0' }).graphApiVersion).toBe('v26.0');
    expect(versionBefore('v2.6', 'v3.2')).toBe(true);
    expect(versionBefore('v25.0', 'v3.2')).toBe(false);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['GRAPH_API_VERSION', '25.0'],
    ['GRAPH_API_URL', 'not a url'],
    ['GRAPH_API_URL', 'ftp://graph.facebook.com'],
    ['GRAPH_API_URL', 'https://graph.facebook.com/?access_token=x'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
  ])('fails fast on %s=%j, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('requires APP_SECRET and PAGE_ID with webhook capture', () => {
    const base = { PAGE_ACCESS_TOKEN: 'x', WEBHOOK_VERIFY_TOKEN: 'v' };
    expect(() => loadConfig(base)).toThrowError(/^Invalid configuration: APP_SECRET is required when WEBHOOK_VERIFY_TOKEN/);
    expect(() => loadConfig({ ...base, APP_SECRET: 's' })).toThrowError(/^Invalid configuration: PAGE_ID is required/);
    expect(loadConfig({ ...base, APP_SECRET: 's', PAGE_ID: '123' })).toMatchObject({ webhookVerifyToken: 'v', pageId: '123', dataDir: './data' });
    expect(() => loadConfig({ PAGE_ID: 'me' })).toThrowError(/PAGE_ID must be a numeric Page id/);
  });

  it('reads PAGES, never quoting a token in its errors', () => {
    const config = loadConfig({ PAGES: '{"123": {"token": "EAAB1", "appSecret": "s"}, "456": {"token": "EAAB2"}}' });
    expect(config.extraPages).toEqual([
      { id: '123', token: 'EAAB1', appSecret: 's' },
      { id: '456', token: 'EAAB2', appSecret: undefined },
    ]);
    expect(() => loadConfig({ PAGES: '{"abc": {"token": "EAAB1"}}' })).toThrowError(/^Invalid configuration: PAGES\[abc\] is not a numeric Page id$/);
    expect(() => loadConfig({ PAGES: '{"123": {"token": "EAAB secret"}}' })).toThrowError(/^Invalid configuration: PAGES\[123\] needs a token without whitespace$/);
    expect(() => loadConfig({ PAGES: '[1]' })).toThrowError(/PAGES must be a JSON object/);
    expect(() => loadConfig({ PAGES: '{"123": {"token": "EAAB1"}}', PAGE_ID: '123', PAGE_ACCESS_TOKEN: 'x' })).toThrowError(/already names/);
    expect(() => loadConfig({ PAGES_FILE: '/nonexistent/pages.json' })).toThrowError(/^Invalid configuration: PAGES_FILE names a file/);
    expect(() => loadConfig({ PAGES: '{"123": {"token": "EAAB1"}}', WEBHOOK_VERIFY_TOKEN: 'v' })).toThrowError(/needs an appSecret for every Page/);
  });

  it('reads the Page token from PAGE_ACCESS_TOKEN_FILE (trimmed), and lists the reloadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-config-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'EAAB-FROM-FILE\n');
      const config = loadConfig({ PAGE_ACCESS_TOKEN_FILE: file, PAGES_FILE: undefined });
      expect(config.pageAccessToken).toBe('EAAB-FROM-FILE');
      expect(config.reloadableFiles).toEqual([file]);
      expect(() => loadConfig({ PAGE_ACCESS_TOKEN_FILE: file, PAGE_ACCESS_TOKEN: 'x' })).toThrowError(/PAGE_ACCESS_TOKEN_FILE cannot be combined with PAGE_ACCESS_TOKEN$/);
      writeFileSync(file, 'EAAB inner-space');
      expect(() => loadConfig({ PAGE_ACCESS_TOKEN_FILE: file })).toThrowError(/PAGE_ACCESS_TOKEN_FILE must not contain whitespace$/);
      writeFileSync(file, ' \n');
      expect(() => loadConfig({ PAGE_ACCESS_TOKEN_FILE: file })).toThrowError(/PAGE_ACCESS_TOKEN_FILE names an empty file/);
      expect(() => loadConfig({ PAGE_ACCESS_TOKEN_FILE: join(dir, 'missing') })).toThrowError(/PAGE_ACCESS_TOKEN_FILE names a file that cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has token-health defaults, and APP_ID needs APP_SECRET', () => {
    expect(loadConfig({})).toMatchObject({ appId: undefined, tokenCheckInterval: 21_600, tokenProbeIntervalMs: 30_000, usageProbeIntervalMs: 5000, reloadableFiles: [] });
    expect(loadConfig({ APP_ID: '1517776481860111', APP_SECRET: 's' }).appId).toBe('1517776481860111');
    expect(() => loadConfig({ APP_ID: '1517776481860111' })).toThrowError(/APP_ID needs APP_SECRET/);
    expect(() => loadConfig({ APP_ID: 'my-app', APP_SECRET: 's' })).toThrowError(/APP_ID must be a numeric app id$/);
    expect(() => loadConfig({ TOKEN_CHECK_INTERVAL: '10' })).toThrowError(/TOKEN_CHECK_INTERVAL must be between 60/);
  });

  it('never echoes the token in its errors', () => {
    expect(() => loadConfig({ PAGE_ACCESS_TOKEN: 'EAAB secret' })).toThrowError(/PAGE_ACCESS_TOKEN must not contain whitespace$/);
  });

  it('has cache defaults: 300 s fresh, 60 s negative, 24 h stale, in memory', () => {
    expect(loadConfig({})).toMatchObject({
      pageId: undefined,
      profileCacheTtl: 300,
      negativeCacheTtl: 60,
      profileStaleTtl: 86_400,
      profileCacheMaxBytes: 32 * 1024 * 1024,
      redisUrl: undefined,
      redisTimeoutMs: 100,
    });
    expect(loadConfig({ PROFILE_CACHE_TTL: '0', PAGE_ID: '104285395231234' })).toMatchObject({ profileCacheTtl: 0, pageId: '104285395231234' });
  });

  it.each([
    ['PAGE_ID', 'my-page'],
    ['PROFILE_CACHE_TTL', '-1'],
    ['NEGATIVE_CACHE_TTL', '1.5'],
    ['PROFILE_STALE_TTL', 'forever'],
    ['PROFILE_CACHE_MAX_BYTES', '10'],
    ['REDIS_TIMEOUT_MS', '0'],
    ['REDIS_URL', 'http://cache:6379'],
  ])('fails fast on cache setting %s=%j, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('never echoes a Redis password in its errors', () => {
    expect(() => loadConfig({ REDIS_URL: 'memcached://:hunter2@cache:6379' })).toThrowError(/^(?!.*hunter2).*$/);
  });

  it('has prefetch off by default, asking for names and picture when on', () => {
    expect(loadConfig({})).toMatchObject({ prefetchOnMessage: false, prefetchFields: ['first_name', 'last_name', 'profile_pic'], prefetchWindowMs: 100 });
    const capture = { PAGE_ACCESS_TOKEN: 't', WEBHOOK_VERIFY_TOKEN: 'v', APP_SECRET: 's', PAGE_ID: '1' };
    expect(loadConfig({ ...capture, PREFETCH_ON_MESSAGE: 'true', PREFETCH_FIELDS: ' locale,first_name,locale ' })).toMatchObject({
      prefetchOnMessage: true,
      prefetchFields: ['locale', 'first_name'],
    });
    // Demo mode turns webhook capture on by itself.
    expect(loadConfig({ PREFETCH_ON_MESSAGE: 'true' }).prefetchOnMessage).toBe(true);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a name that is not a Graph field', { PREFETCH_FIELDS: 'firstName' }, /^Invalid configuration: PREFETCH_FIELDS\[firstName\] is not a profile field; use Graph names: first_name, /],
    ['a field the version lacks', { PREFETCH_FIELDS: 'first_name,last_ad_referral' }, /^Invalid configuration: PREFETCH_FIELDS\[last_ad_referral\] is a field Graph API v25.0 does not have$/],
    ['no field', { PREFETCH_FIELDS: ' , ' }, /^Invalid configuration: PREFETCH_FIELDS must name at least one field$/],
    ['a flag that is not true or false', { PREFETCH_ON_MESSAGE: 'yes' }, /^Invalid configuration: PREFETCH_ON_MESSAGE must be one of true, false/],
    ['prefetch without webhooks', { PAGE_ACCESS_TOKEN: 't', PREFETCH_ON_MESSAGE: 'true' }, /^Invalid configuration: PREFETCH_ON_MESSAGE needs WEBHOOK_VERIFY_TOKEN/],
    ['prefetch without the cache', { PREFETCH_ON_MESSAGE: 'true', PROFILE_CACHE_TTL: '0' }, /^Invalid configuration: PREFETCH_ON_MESSAGE needs the profile cache/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrowError(message);
  });

  it('strips a trailing slash from the base URL and keeps a path prefix', () => {
    expect(loadConfig({ GRAPH_API_URL: 'http://127.0.0.1:9000/graph/' }).graphApiUrl).toBe('http://127.0.0.1:9000/graph');
  });

  it('turns tracing on with an OTLP endpoint, from the standard OTEL_* variables', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'messenger-profile-gateway',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      scheduledDelayMs: 5000,
    });
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/custom/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=platform,authorization=Bearer%20collector-key',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=gateway',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,deployment.environment.name=staging',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toMatchObject({
      url: 'https://collector.example/custom/traces',
      protocol: 'http/json',
      headers: { 'x-team': 'gateway', authorization: 'Bearer collector-key' },
      serviceName: 'from-resource',
      resourceAttributes: { 'deployment.environment.name': 'staging' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    // The collector's headers often carry its key: they are secrets, scrubbed from every log line.
    expect(secretsOf({ tracing })).toContain('Bearer collector-key');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue'],
    ['OTEL_TRACES_SAMPLER', 'jaeger_remote'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_BSP_SCHEDULE_DELAY', 'soon'],
  ])('with tracing on, fails fast on %s=%j, naming the variable', (name, value) => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value };
    expect(() => loadConfig(env)).toThrowError(new RegExp(`^Invalid configuration: ${name}(\\[\\d+\\])? `));
  });
});

describe('GATEWAY_CALLERS', () => {
  const KEY = 'console-key-0123456789abcdef';
  const OTHER = 'crm-sync-key,with:commas-0123';
  const callers = (value: unknown) => ({ GATEWAY_CALLERS: JSON.stringify(value) });

  it('reads named callers with a priority and an optional budget; BULK_SHED_AT_PERCENT defaults to 75', () => {
    const config = loadConfig(
      callers({ console: { key: KEY, priority: 'interactive' }, 'crm-sync': { key: OTHER, priority: 'bulk', lookupsPerMinute: 600 } }),
    );
    expect(config.callers).toEqual([
      { name: 'console', key: KEY, priority: 'interactive', lookupsPerMinute: undefined },
      { name: 'crm-sync', key: OTHER, priority: 'bulk', lookupsPerMinute: 600 },
    ]);
    expect(config.bulkShedAtPercent).toBe(75);
    expect(loadConfig({}).callers).toEqual([]);
  });

  it('reads the same JSON from GATEWAY_CALLERS_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callers-'));
    try {
      const file = join(dir, 'callers.json');
      writeFileSync(file, JSON.stringify({ console: { key: KEY, priority: 'interactive' } }));
      expect(loadConfig({ GATEWAY_CALLERS_FILE: file }).callers.map((c) => c.name)).toEqual(['console']);
      writeFileSync(file, '{"console": ');
      expect(() => loadConfig({ GATEWAY_CALLERS_FILE: file })).toThrowError(/^Invalid configuration: GATEWAY_CALLERS_FILE must be JSON like/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ GATEWAY_CALLERS_FILE: '/nonexistent/callers.json' })).toThrowError(
      /^Invalid configuration: GATEWAY_CALLERS_FILE names a file that cannot be read/,
    );
    expect(() => loadConfig({ ...callers({}), GATEWAY_CALLERS_FILE: '/x.json' })).toThrowError(/GATEWAY_CALLERS_FILE cannot be combined with GATEWAY_CALLERS/);
  });

  it.each([
    ['not JSON', '{console'],
    ['an array', '[]'],
    ['a bad name', JSON.stringify({ 'the console': { key: KEY, priority: 'interactive' } })],
    ['no object', JSON.stringify({ console: KEY })],
    ['a short key', JSON.stringify({ console: { key: 'short', priority: 'interactive' } })],
    ['a key with a space', JSON.stringify({ console: { key: `${KEY} x`, priority: 'interactive' } })],
    ['no priority', JSON.stringify({ console: { key: KEY } })],
    ['an unknown priority', JSON.stringify({ console: { key: KEY, priority: 'urgent' } })],
    ['a zero budget', JSON.stringify({ console: { key: KEY, priority: 'bulk', lookupsPerMinute: 0 } })],
    ['a fractional budget', JSON.stringify({ console: { key: KEY, priority: 'bulk', lookupsPerMinute: 1.5 } })],
    ['a budget as text', JSON.stringify({ console: { key: KEY, priority: 'bulk', lookupsPerMinute: '600' } })],
    ['a misspelt setting', JSON.stringify({ console: { key: KEY, priority: 'bulk', lookupsPerMin: 600 } })],
    ['one key for two callers', JSON.stringify({ a: { key: KEY, priority: 'bulk' }, b: { key: KEY, priority: 'interactive' } })],
  ])('stops the start on %s, naming GATEWAY_CALLERS and never quoting a key', (_name, value) => {
    expect(() => loadConfig({ GATEWAY_CALLERS: value })).toThrowError(/^Invalid configuration: GATEWAY_CALLERS(\[[^\]]+\])? /);
    expect(() => loadConfig({ GATEWAY_CALLERS: value })).toThrowError(/^(?!.*console-key).*$/);
  });

  it('refuses a caller key that GATEWAY_API_KEYS already has', () => {
    expect(() => loadConfig({ ...callers({ console: { key: KEY, priority: 'interactive' } }), GATEWAY_API_KEYS: KEY })).toThrowError(
      /^Invalid configuration: GATEWAY_CALLERS\[console\] has a key that another caller or GATEWAY_API_KEYS already has$/,
    );
  });

  it.each([
    ['GATEWAY_CALLERS', JSON.stringify({ console: { key: KEY, priority: 'interactive' }, sync: { key: OTHER, priority: 'urgent' } }), 'sync', 'needs "priority"'],
    ['GATEWAY_CALLERS', JSON.stringify({ console: { key: 'short', priority: 'interactive' } }), 'console', 'needs a key of 16'],
    ['GATEWAY_API_KEYS', `${KEY},short-key`, '2', 'must be a key of 16'],
    ['PAGES', '{"123": {"token": "EAAB1"}, "456": {"token": ""}}', '456', 'needs a token'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'x-team=gateway,novalue', '2', 'must be a list like'],
  ])('names the offending entry of %s in one format: VARIABLE[entry] problem', (name, value, entry, problem) => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value };
    expect(() => loadConfig(env)).toThrowError(new RegExp(`^Invalid configuration: ${name}\\[${entry}\\] ${problem}`));
    expect(() => loadConfig(env)).toThrowError(expect.objectContaining({ variable: name, entry }) as Error);
    expect(() => loadConfig(env)).toThrowError(/^(?!.*(console-key|short)).*$/);
  });

  it.each(['0', '101', 'most'])('fails fast on BULK_SHED_AT_PERCENT=%j', (value) => {
    expect(() => loadConfig({ BULK_SHED_AT_PERCENT: value })).toThrowError(/^Invalid configuration: BULK_SHED_AT_PERCENT /);
  });
});

describe('frontend settings: caller pages, sign-in tokens, CORS', () => {
  const KEY = 'console-key-0123456789abcdef';
  const JWKS = { AUTH_JWKS_URL: 'https://login.example.test/.well-known/jwks.json', AUTH_JWT_ISSUER: 'https://login.example.test/', AUTH_JWT_AUDIENCE: 'gateway' };

  it('reads a caller\'s pages (absent: every Page) and refuses ids that are not numeric', () => {
    const config = loadConfig({ GATEWAY_CALLERS: JSON.stringify({ a: { key: KEY, priority: 'interactive', pages: ['111', '111', '222'] } }) });
    expect(config.callers[0]?.pages).toEqual(['111', '222']);
    expect(() => loadConfig({ GATEWAY_CALLERS: JSON.stringify({ a: { key: KEY, priority: 'interactive', pages: '111' } }) })).toThrowError(
      /^Invalid configuration: GATEWAY_CALLERS\[a\] needs "pages" to be a list of numeric Page ids$/,
    );
  });

  it('reads sign-in token settings with their defaults, and requires the issuer and audience', () => {
    expect(loadConfig({}).jwt).toBeUndefined();
    expect(loadConfig(JWKS).jwt).toMatchObject({ callerClaim: 'sub', pagesClaim: 'pages', priorityClaim: 'priority', clockSkewSeconds: 30, lookupsPerMinute: undefined });
    expect(() => loadConfig({ ...JWKS, AUTH_JWT_ISSUER: undefined })).toThrowError(/^Invalid configuration: AUTH_JWT_ISSUER is required/);
    expect(() => loadConfig({ ...JWKS, AUTH_JWT_AUDIENCE: undefined })).toThrowError(/^Invalid configuration: AUTH_JWT_AUDIENCE is required/);
    expect(() => loadConfig({ AUTH_JWT_ISSUER: 'x' })).toThrowError(/^Invalid configuration: AUTH_JWT_ISSUER needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY$/);
    expect(() => loadConfig({ ...JWKS, AUTH_JWT_PUBLIC_KEY: 'x' })).toThrowError(/AUTH_JWT_PUBLIC_KEY cannot be combined with AUTH_JWKS_URL/);
    expect(() => loadConfig({ ...JWKS, AUTH_JWKS_URL: undefined, AUTH_JWT_PUBLIC_KEY: 'not a key' })).toThrowError(/^Invalid configuration: AUTH_JWT_PUBLIC_KEY must be a public key/);
    expect(() => loadConfig({ ...JWKS, AUTH_JWT_CLOCK_SKEW_SECONDS: '3600' })).toThrowError(/AUTH_JWT_CLOCK_SKEW_SECONDS must be between 0 and 300/);
  });

  it('reads exact CORS origins, and refuses * while callers authenticate', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://console.example.com, http://localhost:5173' })).toMatchObject({
      corsOrigins: ['https://console.example.com', 'http://localhost:5173'],
      corsMaxAgeSeconds: 600,
    });
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(() => loadConfig({ CORS_ORIGINS: '*', GATEWAY_API_KEYS: KEY })).toThrowError(/^Invalid configuration: CORS_ORIGINS cannot be \* while callers authenticate/);
    expect(() => loadConfig({ CORS_ORIGINS: '*', ...JWKS })).toThrowError(/CORS_ORIGINS cannot be \*/);
    for (const origin of ['https://console.example.com/', 'console.example.com', 'https://console.example.com/app']) {
      expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrowError(/^Invalid configuration: CORS_ORIGINS must list origins like/);
    }
  });
});
