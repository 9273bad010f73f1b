import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { request } from 'undici';
import type { Clock } from '../core/clock.js';
import { isNumericId } from '../core/ids.js';
import type { Caller } from '../core/lookup.js';
import type { JwtConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';

/** Asymmetric algorithms only: `none` and HMAC (which a public key used as a secret would pass) never verify. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** Least time between two key set fetches a request can cause (an unknown `kid`). */
const REFETCH_COOLDOWN_MS = 60_000;
/** How often the key set is fetched in the background, so retired keys go and new ones come. */
const REFRESH_INTERVAL_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5000;
const MAX_KEY_SET_BYTES = 256 * 1024;
const MAX_KEYS = 100;
/** A caller name from a claim: printable, short (it becomes a log field and part of a Redis key). */
const CALLER_NAME = /^[\x21-\x7e]{1,128}$/;

/** Checks sign-in tokens; a token that fails any check stands for no one. */
export interface TokenVerifier {
  /** The caller a compact JWT stands for, or undefined (expired, wrong issuer, bad signature, …). */
  readonly verify: (token: string) => Promise<Caller | undefined>;
  readonly close: () => void;
}

/**
 * The key set at AUTH_JWKS_URL, held in memory. jose's createRemoteJWKSet refetches on the request
 * path whenever its cache ages and fails every token while the issuer is down; here the set is
 * refreshed in the background and kept when a fetch fails, and a request causes a fetch only for an
 * unknown `kid`, at most once per REFETCH_COOLDOWN_MS whether fetches succeed or not.
 */
class RemoteKeySet {
  private local: JWTVerifyGetKey | undefined;
  private lastAttempt = -Infinity;
  private pending: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_INTERVAL_MS).unref();
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local) throw new errors.JWKSNoMatchingKey();
    try {
      return await this.local(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || this.clock() - this.lastAttempt < REFETCH_COOLDOWN_MS) throw error;
      await this.refresh().catch(() => undefined);
      return this.local(header, token);
    }
  };

  /** Fetches the set once (joined by concurrent callers); throws, keeping the held set, when that fails. */
  refresh(): Promise<void> {
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<void> {
    this.lastAttempt = this.clock();
    try {
      const set = await fetchKeySet(this.url);
      this.local = createLocalJWKSet(set);
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message }, jwksUrl: this.url }, 'the sign-in key set could not be fetched; the keys held are kept');
      throw error;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

async function fetchKeySet(url: string): Promise<JSONWebKeySet> {
  const response = await request(url, {
    headers: { accept: 'application/jwk-set+json, application/json' },
    headersTimeout: FETCH_TIMEOUT_MS,
    bodyTimeout: FETCH_TIMEOUT_MS,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`the key set answered HTTP ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_KEY_SET_BYTES) {
      response.body.destroy();
      throw new Error(`the key set is larger than ${MAX_KEY_SET_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const set = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys?: unknown };
  if (!Array.isArray(set.keys) || set.keys.length === 0 || set.keys.length > MAX_KEYS) {
    throw new Error(`the key set must hold 1 to ${MAX_KEYS} keys`);
  }
  return set as JSONWebKeySet;
}

/** The caller the claims name, or undefined when they name none or list Pages malformed. */
function callerOf(claims: JWTPayload, config: JwtConfig): Caller | undefined {
  const name = claims[config.callerClaim];
  if (typeof name !== 'string' || !CALLER_NAME.test(name)) return undefined;
  const pages = claims[config.pagesClaim] ?? [];
  if (!Array.isArray(pages) || !pages.every((id) => typeof id === 'string' && isNumericId(id))) return undefined;
  return {
    // "token:" keeps a token's subject apart from GATEWAY_CALLERS names (which have no ":").
    name: `token:${name}`,
    priority: claims[config.priorityClaim] === 'bulk' ? 'bulk' : 'interactive',
    lookupsPerMinute: config.lookupsPerMinute,
    pages: [...new Set(pages as string[])],
    metricLabel: 'token',
  };
}

/**
 * Checks tokens against AUTH_JWT_PUBLIC_KEY, or the key set at AUTH_JWKS_URL, which must answer
 * at start: a gateway that could verify no token fails then, not on the first sign-in.
 */
export async function tokenVerifier(config: JwtConfig, clock: Clock, logger: Logger): Promise<TokenVerifier> {
  const remote = config.jwksUrl === undefined ? undefined : new RemoteKeySet(config.jwksUrl, clock, logger);
  if (remote) {
    try {
      await remote.refresh();
    } catch (error) {
      remote.close();
      throw new Error(`AUTH_JWKS_URL: no sign-in key could be fetched from ${config.jwksUrl} (${(error as Error).message})`, { cause: error });
    }
  }
  const key = config.publicKey;
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: ALGORITHMS,
    clockTolerance: config.clockSkewSeconds,
    requiredClaims: ['exp'],
  };
  return {
    verify: async (token) => {
      try {
        const currentDate = new Date(clock());
        const { payload } = remote ? await jwtVerify(token, remote.getKey, { ...options, currentDate }) : await jwtVerify(token, key!, { ...options, currentDate });
        return callerOf(payload, config);
      } catch {
        // Whatever was wrong, the token stands for no one; what it held is not logged.
        return undefined;
      }
    },
    close: () => remote?.close(),
  };
}
