import type { Clock } from '../core/clock.js';
import { ErrorCode, type GatewayError, hasCode } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';

export type TokenState = 'valid' | 'invalid' | 'unknown';

/** What debug_token said of the token (times in ms since the epoch; undefined: never expires or not said). */
export interface TokenFacts {
  readonly expiresAt: number | undefined;
  readonly dataAccessExpiresAt: number | undefined;
  readonly scopes: readonly string[];
}

export interface TokenHealthOptions {
  /** While invalid, one lookup per this interval goes through to learn whether the token works again. */
  readonly probeIntervalMs: number;
  readonly pageId: string | undefined;
}

/**
 * What the gateway knows of one Page token: valid (an answer or debug_token said so), invalid (the
 * Graph API refused it: 190, 102, a bad appsecret_proof), or unknown (nothing learnt yet, or just
 * replaced). While invalid, lookups fail fast with the refusal that made it so; one per
 * `probeIntervalMs` is let through, and its success ends the state. Kept per Page, and reset
 * (not replaced) when the token rotates.
 */
export class TokenHealth {
  private current: TokenState = 'unknown';
  /** The refusal lookups fail with while invalid. */
  private refusal: GatewayError | undefined;
  private nextProbe = 0;
  /** Counts rotations: what a lookup started before one learns is about the old token, and ignored. */
  generation = 0;
  /** When the state was last learnt, in ms since the epoch. */
  checkedAt: number | undefined;
  facts: TokenFacts | undefined;
  /** When an expiry within 7 days was last warned about (daily at most). */
  expiryWarnedAt: number | undefined;

  constructor(
    private readonly options: TokenHealthOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get state(): TokenState {
    return this.current;
  }

  /** Why the token was refused (expired, password_changed, app_removed, proof, invalid); undefined unless invalid. */
  get reason(): string | undefined {
    const reason = this.refusal?.extensions.reason;
    return typeof reason === 'string' ? reason : undefined;
  }

  /**
   * undefined when a lookup may call the Graph API; while invalid, the refusal to answer instead,
   * except for the first lookup after each probe interval, which goes through as the probe.
   */
  admit(): GatewayError | undefined {
    if (this.current !== 'invalid') return undefined;
    const now = this.clock();
    if (now < this.nextProbe) return this.refusal;
    this.nextProbe = now + this.options.probeIntervalMs;
    return undefined;
  }

  /**
   * Learns from one exchange started at `generation`: a whole batch refused for authentication
   * marks the token invalid; a batch answered, valid.
   */
  learn(generation: number, failure: Error | undefined, answered: boolean): void {
    if (generation !== this.generation) return;
    if (hasCode(failure, ErrorCode.UPSTREAM_AUTH_FAILED)) this.invalid(failure);
    else if (answered && !failure) this.valid();
  }

  /** debug_token's verdict. */
  checked(valid: boolean, facts: TokenFacts, refusal: GatewayError | undefined): void {
    this.facts = facts;
    if (valid) this.valid();
    else if (refusal) this.invalid(refusal);
  }

  /** A new token replaced this one: nothing is known of it yet, and lookups go ahead. */
  rotated(): void {
    this.generation += 1;
    if (this.current === 'invalid') this.logger.info({ page: this.options.pageId }, 'Page token replaced; lookups call the Graph API again');
    this.current = 'unknown';
    this.refusal = undefined;
    this.facts = undefined;
    this.checkedAt = undefined;
  }

  private valid(): void {
    if (this.current === 'invalid') this.logger.info({ page: this.options.pageId }, 'Page token accepted again by the Graph API; lookups resume');
    this.current = 'valid';
    this.refusal = undefined;
    this.checkedAt = this.clock();
  }

  private invalid(refusal: GatewayError): void {
    const first = this.current !== 'invalid';
    this.current = 'invalid';
    this.refusal = refusal;
    this.checkedAt = this.clock();
    if (!first) return;
    this.nextProbe = this.checkedAt + this.options.probeIntervalMs;
    // Once per episode: every lookup meanwhile fails fast without a line of its own.
    this.logger.error(
      { page: this.options.pageId, reason: this.reason },
      'The Graph API refused the Page token: lookups fail fast (stale cached values are served) until it works again or is replaced',
    );
  }
}

