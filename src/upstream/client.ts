import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { upstreamUnavailable } from '../errors.js';
import { classifyGraphError, errorEnvelope, NO_PROFILE } from './classify.js';
import type { BatchEntry } from './types.js';

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
}

export interface BatchAnswer {
  /** One entry per sub-request, in request order. */
  readonly entries: readonly BatchEntry[];
  readonly headers: IncomingHttpHeaders;
}

/** appsecret_proof = hex HMAC-SHA256 of the access token, keyed with the app secret. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/**
 * HTTP access to the Graph API batch endpoint over a keep-alive connection pool. The token travels
 * in the form body, never in a URL. Failures of the exchange as a whole throw a GatewayError (or an
 * UnexpectedUpstreamError); per-sub-request outcomes are left to the caller.
 */
export class GraphClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly credentials: Readonly<Record<string, string>>;

  constructor(private readonly options: GraphClientOptions) {
    const url = new URL(options.baseUrl);
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      maxResponseSize: options.maxResponseBytes,
    });
    this.path = `${url.pathname.replace(/\/+$/, '')}/${options.version}/`;
    this.credentials = {
      access_token: options.accessToken,
      ...(options.appSecret ? { appsecret_proof: appSecretProof(options.accessToken, options.appSecret) } : {}),
    };
  }

  /** POSTs one batch of GET sub-requests (relative URLs such as `123?fields=first_name`). */
  async batch(relativeUrls: readonly string[]): Promise<BatchAnswer> {
    if (relativeUrls.length === 0 || relativeUrls.length > MAX_BATCH_SIZE) {
      throw new RangeError(`A batch takes 1 to ${MAX_BATCH_SIZE} sub-requests, got ${relativeUrls.length}`);
    }
    const form = new URLSearchParams({
      ...this.credentials,
      batch: JSON.stringify(relativeUrls.map((relative_url) => ({ method: 'GET', relative_url }))),
      include_headers: 'false',
    });

    let statusCode: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    // Private: a timer cleared as soon as the exchange ends, not AbortSignal.timeout(), whose timer
    // and weakly held signal outlive every answer by the whole deadline: under load that cost ~20% of
    // the gateway's CPU in garbage collection (BENCHMARKS.md).
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The upstream deadline passed', 'TimeoutError')),
      this.options.timeoutMs,
    ).unref();
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: deadline.signal,
      });
      statusCode = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      throw upstreamUnavailable(describeTransportError(error));
    } finally {
      clearTimeout(timer);
    }

    const body = parseJson(text);
    if (statusCode === 200 && Array.isArray(body) && body.length === relativeUrls.length && body.every(isBatchEntry)) {
      return { entries: body, headers };
    }
    const envelope = errorEnvelope(body);
    if (envelope) {
      const classified = classifyGraphError(statusCode, envelope);
      throw classified === NO_PROFILE ? upstreamUnavailable('Unexpected error for a whole batch') : classified;
    }
    throw upstreamUnavailable(
      statusCode >= 500 ? `Graph API answered HTTP ${statusCode}` : `Unusable batch answer (HTTP ${statusCode})`,
    );
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function isBatchEntry(value: unknown): value is BatchEntry {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  const entry = value as { code?: unknown; body?: unknown };
  return typeof entry.code === 'number' && typeof entry.body === 'string';
}

/** JSON.parse that answers undefined for anything unparseable. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeTransportError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'Graph API request timed out';
    const code = (error as { code?: unknown }).code;
    return `Graph API request failed (${typeof code === 'string' ? code : error.name})`;
  }
  return 'Graph API request failed';
}
