import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, versionBefore } from '../src/config.js';

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

  it('strips a trailing slash from the base URL and keeps a path prefix', () => {
    expect(loadConfig({ GRAPH_API_URL: 'http://127.0.0.1:9000/graph/' }).graphApiUrl).toBe('http://127.0.0.1:9000/graph');
  });
});
