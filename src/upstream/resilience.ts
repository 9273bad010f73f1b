import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleType,
  handleWhenResult,
  retry,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import type { GatewayConfig } from '../config.js';
import { ErrorCode, hasCode, rateLimited, upstreamUnavailable, type GatewayError } from '../errors.js';
import { fieldUnavailable, isGraphField, permissionFor, permissionRequired, type GraphField } from '../profile/fields.js';
import { Capabilities } from './capabilities.js';
import type { GraphClient } from './client.js';
import { MAX_BATCH_SIZE } from './client.js';
import { exchangeProfiles, type Exchange, type FetchProfiles, type ProfileRequest, type ProfileResult } from './profiles.js';
import { Throttle } from './throttle.js';

/** The configuration the layers read (see GatewayConfig for each knob). */
export type ResilienceOptions = Pick<
  GatewayConfig,
  | 'graphApiVersion'
  | 'upstreamTimeoutMs'
  | 'retryMax'
  | 'retryBaseMs'
  | 'retryCapMs'
  | 'breakerThreshold'
  | 'breakerCooldownMs'
  | 'rateLimitBackoffMs'
  | 'capabilityTtlMs'
> & { readonly now?: () => number };

const MAX_DEGRADE_ROUNDS = 10;

/** Thrown inside the retry policy while some sub-requests still have transient failures. */
class TransientFailures extends Error {}

/** 2018247 does not say which permission is missing; the fields that need none are probed together. */
const isPermissionProbeCandidate = (result: ProfileResult) =>
  hasCode(result, ErrorCode.PERMISSION_REQUIRED) && result.graph?.subcode === 2018247;

const isTransient = (result: ProfileResult) => hasCode(result, ErrorCode.UPSTREAM_UNAVAILABLE);

/**
 * The Graph API behind layers: usage-header throttle → circuit breaker → retries of transient
 * sub-requests only, all inside one deadline; then consent-aware degradation, which trades a
 * failed lookup for the fields that can be had plus a typed error for each one that cannot.
 */
export class ResilientUpstream {
  readonly throttle: Throttle;
  readonly breaker: CircuitBreakerPolicy;
  readonly capabilities: Capabilities;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly client: GraphClient,
    private readonly options: ResilienceOptions,
  ) {
    this.throttle = new Throttle({ defaultBackoffMs: options.rateLimitBackoffMs, ...(options.now ? { now: options.now } : {}) });
    this.capabilities = new Capabilities(options.capabilityTtlMs, options.now);
    // A failed exchange is one that brought nothing usable: transport error, 5xx, garbage, or
    // every entry transient. `{}`, 2018218, auth and rate-limit answers are not upstream outages.
    this.breaker = circuitBreaker(
      handleWhenResult((exchange) => {
        const { failure, results } = exchange as Exchange;
        return failure ? hasCode(failure, ErrorCode.UPSTREAM_UNAVAILABLE) : results.length > 0 && results.every(isTransient);
      }),
      { halfOpenAfter: options.breakerCooldownMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) },
    );
    this.retry = retry(handleType(TransientFailures), {
      maxAttempts: options.retryMax,
      backoff: new ExponentialBackoff({
        generator: fullJitterGenerator,
        initialDelay: options.retryBaseMs,
        maxDelay: options.retryCapMs,
      }),
    });
  }

  readonly fetch: FetchProfiles = async (requests) => {
    // Private: a timer cleared when the lookup ends, not AbortSignal.timeout(), whose timer and
    // signal outlive every answer by the whole deadline: under load that garbage cost ~20% of the
    // gateway's CPU (BENCHMARKS.md).
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The upstream deadline passed', 'TimeoutError')),
      this.options.upstreamTimeoutMs,
    );
    try {
      return await this.lookupWithin(requests, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  };

  private async lookupWithin(requests: readonly ProfileRequest[], signal: AbortSignal): Promise<ProfileResult[]> {
    const fieldErrors = requests.map(() => new Map<GraphField, GatewayError>());
    const asked = requests.map((request, i) => ({
      psid: request.psid,
      fields: request.fields.filter((field) => {
        const known = this.capabilities.missingError(field);
        if (known) fieldErrors[i]!.set(field, known);
        return !known;
      }),
    }));
    const results = await this.lookup(asked, signal);
    await this.degrade(asked, results, fieldErrors, signal);
    return results.map((result, i) => {
      const errors = fieldErrors[i]!;
      if (!(result instanceof Error) && result.kind === 'profile' && errors.size > 0) return { ...result, fieldErrors: errors };
      return result;
    });
  }

  /** Asks for every request (a request with no fields left answers an empty profile). */
  private async lookup(requests: readonly ProfileRequest[], signal: AbortSignal): Promise<ProfileResult[]> {
    const results: ProfileResult[] = requests.map(() => ({ kind: 'profile', data: {} }));
    const asking = requests.flatMap((request, i) => (request.fields.length > 0 ? [i] : []));
    const chunks: number[][] = [];
    for (let start = 0; start < asking.length; start += MAX_BATCH_SIZE) chunks.push(asking.slice(start, start + MAX_BATCH_SIZE));
    await Promise.all(
      chunks.map(async (chunk) => {
        const answered = await this.exchangeWithRetries(chunk.map((i) => requests[i]!), signal);
        chunk.forEach((i, k) => (results[i] = answered[k]!));
      }),
    );
    return results;
  }

  /** One batch of ≤ 50, retrying only the sub-requests that failed transiently. */
  private async exchangeWithRetries(requests: readonly ProfileRequest[], signal: AbortSignal): Promise<ProfileResult[]> {
    // Private: filled as answers come; what is still empty when the deadline passes gets the
    // deadline's error, made only then (a GatewayError captures a stack: too dear to make up front).
    const results: (ProfileResult | undefined)[] = new Array(requests.length);
    let pending = requests.map((_, i) => i);
    const attempts = this.retry.execute(async () => {
      // cockatiel's back-off delay ignores the signal: an attempt after the deadline does nothing.
      if (signal.aborted) return;
      const wait = this.throttle.retryAfterSeconds();
      if (wait !== undefined) {
        for (const i of pending) results[i] = rateLimited({ retryAfterSeconds: wait });
        return;
      }
      const exchange = await this.breaker.execute(() => exchangeProfiles(this.client, pending.map((i) => requests[i]!), signal));
      this.throttle.observe(exchange.headers);
      if (exchange.results.some((r) => hasCode(r, ErrorCode.RATE_LIMITED))) this.throttle.rateLimited(exchange.headers);
      if (signal.aborted) return;
      const retryAfter = this.throttle.retryAfterSeconds();
      const failed: number[] = [];
      exchange.results.forEach((result, k) => {
        const i = pending[k]!;
        results[i] = hasCode(result, ErrorCode.RATE_LIMITED) && retryAfter !== undefined ? result.with({ retryAfterSeconds: retryAfter }) : result;
        if (isTransient(result)) failed.push(i);
      });
      pending = failed;
      if (pending.length > 0) throw new TransientFailures();
    }, signal);
    try {
      await Promise.race([attempts, aborted(signal)]);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        for (const i of pending) results[i] = upstreamUnavailable('The Graph API is failing; calls are paused for a cool-down');
      }
      // Otherwise retries ran out: each pending result holds its last failure.
    }
    attempts.catch(() => undefined);
    // A snapshot: an exchange still settling after the deadline must not change the answer.
    let deadline: GatewayError | undefined;
    return Array.from(results, (result) => result ?? (deadline ??= upstreamUnavailable('Deadline reached before the Graph API answered')));
  }

  /**
   * Turns whole-lookup failures that concern some fields only into per-field errors: a field the
   * version lacks is dropped and the rest asked again; an unnamed missing permission is found by
   * asking each permission-gated field alone, beside the basic fields.
   */
  private async degrade(
    requests: { psid: string; fields: GraphField[] }[],
    results: ProfileResult[],
    fieldErrors: Map<GraphField, GatewayError>[],
    signal: AbortSignal,
  ): Promise<void> {
    // Each round removes at least one field from a request, so a handful of rounds is enough.
    for (let round = 0; round < MAX_DEGRADE_ROUNDS; round++) {
      const retryIndexes: number[] = [];
      const probeIndexes: number[] = [];
      results.forEach((result, i) => {
        const missing = hasCode(result, ErrorCode.FIELD_UNAVAILABLE) ? result.extensions.graphField : undefined;
        const request = requests[i]!;
        if (typeof missing === 'string' && isGraphField(missing) && request.fields.includes(missing)) {
          const error = fieldUnavailable(missing, this.options.graphApiVersion);
          this.capabilities.remember(missing, error);
          fieldErrors[i]!.set(missing, error);
          request.fields = request.fields.filter((f) => f !== missing);
          retryIndexes.push(i);
        } else if (isPermissionProbeCandidate(result) && request.fields.length > 0) {
          probeIndexes.push(i);
        }
      });
      if (retryIndexes.length === 0 && probeIndexes.length === 0) return;
      const [retried] = await Promise.all([
        this.lookup(retryIndexes.map((i) => requests[i]!), signal),
        this.probePermissions(probeIndexes.map((i) => requests[i]!), signal).then((probed) =>
          probed.forEach(({ result, denied }, k) => {
            const i = probeIndexes[k]!;
            results[i] = result;
            for (const field of denied) fieldErrors[i]!.set(field, permissionRequired(field));
            requests[i]!.fields = requests[i]!.fields.filter((f) => !denied.includes(f));
          }),
        ),
      ]);
      retryIndexes.forEach((i, k) => (results[i] = retried[k]!));
    }
  }

  /** One more batch: per user, the fields sharing a permission together, each group alone. */
  private async probePermissions(
    requests: readonly ProfileRequest[],
    signal: AbortSignal,
  ): Promise<{ result: ProfileResult; denied: GraphField[] }[]> {
    const groups = requests.map((request) => {
      const byPermission = new Map<string, GraphField[]>();
      for (const field of request.fields) {
        const permission = permissionFor(field);
        byPermission.set(permission, [...(byPermission.get(permission) ?? []), field]);
      }
      return [...byPermission.values()];
    });
    const subRequests = groups.flatMap((fieldGroups, i) => fieldGroups.map((fields) => ({ psid: requests[i]!.psid, fields })));
    const answers = await this.lookup(subRequests, signal);
    let next = 0;
    return groups.map((fieldGroups) => {
      const denied: GraphField[] = [];
      let data = {};
      let failure: ProfileResult | undefined;
      for (const fields of fieldGroups) {
        const answer = answers[next++]!;
        if (isPermissionProbeCandidate(answer)) {
          for (const field of fields) {
            denied.push(field);
            this.capabilities.remember(field, permissionRequired(field));
          }
        } else if (answer instanceof Error || answer.kind === 'none') {
          failure ??= answer;
        } else {
          data = { ...data, ...answer.data };
        }
      }
      return { result: failure ?? { kind: 'profile', data }, denied };
    });
  }
}

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
