import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { upstreamUnavailable } from '../core/errors.js';
import { classifyGraphError, errorEnvelope, NO_PROFILE } from './classify.js';
import { appSecretProof } from './credentials.js';
import { parseJson } from './json.js';
import type { BatchEntry } from '../core/profile.js';

/** Largest number of sub-requests the Graph API accepts in one batch. */
export const MAX_BATCH_SIZE = 50;

export interface GraphClientOptions {
  /** Base URL without version, e.g. https://graph.facebook.com */
  readonly baseUrl: string;
  /** Graph API version, e.g. v25.0 */
  readonly version: string;
  readonly accessToken: string;
  /** When set, every call carries appsecret_proof. */
  readonly appSecret?: string | undefined;
  /** Deadline for one HTTP exchange, response body included. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly connections: number;
  /** Called once per HTTP exchange with the batch endpoint, whatever its outcome (metrics, logs). */
  readonly onExchange?: ((exchange: UpstreamExchange) => void) | undefined;
}

/** What one HTTP exchange with the batch endpoint cost and how it ended. */
export interface UpstreamExchange {
  readonly subRequests: number;
  /** HTTP status of the answer; undefined when none arrived (timeout, connection error). */
  readonly status: number | undefined;
  readonly durationMs: number;
  /** Set when the exchange as a whole failed. */
  readonly error: Error | undefined;
}

/**
 * The outcome of one HTTP exchange: the batch's entries, or the error that failed the exchange as
 * a whole. Headers are kept either way: usage headers come with error answers too.
 */
export type BatchAnswer =
  | { readonly ok: true; readonly entries: readonly BatchEntry[]; readonly status: number; readonly headers: IncomingHttpHeaders }
  | {
      readonly ok: false;
      readonly error: Error;
      /** Undefined when no answer arrived (timeout, connection error). */
      readonly status: number | undefined;
      readonly headers: IncomingHttpHeaders | undefined;
    };

/**
 * HTTP access to the Graph API batch endpoint over a keep-alive connection pool. The token travels
 * in the form body, never in a URL. Never throws for upstream trouble: a failed exchange is an
 * answer with a GatewayError (or an UnexpectedUpstreamError); per-sub-request outcomes are left to
 * the caller.
 */
export class GraphClient {
  private readonly pool: Pool;
  private readonly path: string;
  /** `access_token=…[&appsecret_proof=…]`, form-encoded. */
  private readonly credentials: string;

  constructor(private readonly options: GraphClientOptions) {
    const url = new URL(options.baseUrl);
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      maxResponseSize: options.maxResponseBytes,
    });
    this.path = `${url.pathname.replace(/\/+$/, '')}/${options.version}/`;
    this.credentials = new URLSearchParams({
      access_token: options.accessToken,
      ...(options.appSecret ? { appsecret_proof: appSecretProof(options.accessToken, options.appSecret) } : {}),
    }).toString();
  }

  /**
   * POSTs one batch of GET sub-requests (relative URLs such as `123?fields=first_name`). `signal`
   * bounds the exchange; without one, the client's own timeout does.
   */
  async batch(relativeUrls: readonly string[], signal?: AbortSignal): Promise<BatchAnswer> {
    if (relativeUrls.length === 0 || relativeUrls.length > MAX_BATCH_SIZE) {
      throw new RangeError(`A batch takes 1 to ${MAX_BATCH_SIZE} sub-requests, got ${relativeUrls.length}`);
    }
    const started = performance.now();
    const answer = await this.exchange(relativeUrls, signal);
    this.options.onExchange?.({
      subRequests: relativeUrls.length,
      status: answer.status,
      durationMs: performance.now() - started,
      error: answer.ok ? undefined : answer.error,
    });
    return answer;
  }

  private async exchange(relativeUrls: readonly string[], signal: AbortSignal | undefined): Promise<BatchAnswer> {
    // The credentials' part of the form is encoded once, at construction.
    const form = `${this.credentials}&include_headers=false&batch=${encodeURIComponent(
      JSON.stringify(relativeUrls.map((relative_url) => ({ method: 'GET', relative_url }))),
    )}`;

    let statusCode: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: signal ?? AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      return { ok: false, error: upstreamUnavailable(describeTransportError(error)), status: undefined, headers: undefined };
    }

    const body = parseJson(text);
    if (statusCode === 200 && Array.isArray(body) && body.length === relativeUrls.length && body.every(isBatchEntry)) {
      return { ok: true, entries: body, status: statusCode, headers };
    }
    const envelope = errorEnvelope(body);
    let error: Error;
    if (envelope) {
      const classified = classifyGraphError(statusCode, envelope);
      error = classified === NO_PROFILE ? upstreamUnavailable('Unexpected error for a whole batch') : classified;
    } else {
      error = upstreamUnavailable(
        statusCode >= 500 ? `Graph API answered HTTP ${statusCode}` : `Unusable batch answer (HTTP ${statusCode})`,
      );
    }
    return { ok: false, error, status: statusCode, headers };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function isBatchEntry(value: unknown): value is BatchEntry {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  const entry = value as { code?: unknown; body?: unknown };
  return Number.isSafeInteger(entry.code) && typeof entry.body === 'string';
}

function describeTransportError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'Graph API request timed out';
    const code = (error as { code?: unknown }).code;
    return `Graph API request failed (${typeof code === 'string' ? code : error.name})`;
  }
  return 'Graph API request failed';
}
