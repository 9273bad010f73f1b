import { promisify } from 'node:util';
import { unzip } from 'node:zlib';
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
  private credentials: string;

  constructor(private readonly options: GraphClientOptions) {
    const url = new URL(options.baseUrl);
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      maxResponseSize: options.maxResponseBytes,
    });
    this.path = `${url.pathname.replace(/\/+$/, '')}/${options.version}/`;
    this.credentials = encodeCredentials(options.accessToken, options.appSecret);
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

  /**
   * Replaces the token (and app secret) for exchanges that start from now on; those under way
   * finish with the form they were sent with.
   */
  setCredentials(accessToken: string, appSecret: string | undefined): void {
    this.credentials = encodeCredentials(accessToken, appSecret);
  }

  /**
   * Asks debug_token about `inputToken` with an app access token (`APP_ID|APP_SECRET`). Sent as a
   * batch sub-request, so that the Page token travels in the form body, never in a URL. The answer
   * is debug_token's `data` object, or the error that failed the exchange.
   */
  async debugToken(inputToken: string, appId: string, appSecret: string, signal?: AbortSignal): Promise<{ ok: true; data: unknown } | { ok: false; error: Error }> {
    const appToken = `${appId}|${appSecret}`;
    const relativeUrl = `debug_token?${new URLSearchParams({ input_token: inputToken }).toString()}`;
    const answer = await this.exchange([relativeUrl], signal, encodeCredentials(appToken, appSecret));
    if (!answer.ok) return { ok: false, error: answer.error };
    const entry = answer.entries[0];
    const body = entry ? parseJson(entry.body) : undefined;
    const envelope = errorEnvelope(body);
    if (entry?.code === 200 && !envelope && typeof body === 'object' && body !== null && 'data' in body) return { ok: true, data: body.data };
    const classified = envelope ? classifyGraphError(entry?.code ?? 0, envelope) : undefined;
    return { ok: false, error: classified instanceof Error ? classified : upstreamUnavailable('Unusable debug_token answer') };
  }

  private async exchange(relativeUrls: readonly string[], signal: AbortSignal | undefined, credentials = this.credentials): Promise<BatchAnswer> {
    // The credentials' part of the form is encoded once, when they are set.
    const form = `${credentials}&include_headers=false&batch=${encodeURIComponent(
      JSON.stringify(relativeUrls.map((relative_url) => ({ method: 'GET', relative_url }))),
    )}`;
    let statusCode: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'accept-encoding': 'gzip, deflate' },
        body: form,
        signal: signal ?? AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = response.statusCode;
      headers = response.headers;
      text = await decoded(Buffer.from(await response.body.arrayBuffer()), headers['content-encoding'], this.options.maxResponseBytes);
    } catch (error) {
      return { ok: false, error: upstreamUnavailable(describeTransportError(error)), status: undefined, headers: undefined };
    }

    const body = parseJson(text);
    const entries = Array.isArray(body) ? body.map(batchEntry) : undefined;
    if (statusCode === 200 && entries?.length === relativeUrls.length && entries.every((entry) => entry !== undefined)) {
      return { ok: true, entries, status: statusCode, headers };
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

function encodeCredentials(accessToken: string, appSecret: string | undefined): string {
  return new URLSearchParams({
    access_token: accessToken,
    ...(appSecret ? { appsecret_proof: appSecretProof(accessToken, appSecret) } : {}),
  }).toString();
}

/** A batch entry as documented, its code read as a number even when sent as a string ("200"); undefined when unusable. */
function batchEntry(value: unknown): BatchEntry | undefined {
  if (value === null) return null;
  if (typeof value !== 'object') return undefined;
  const entry = value as { code?: unknown; body?: unknown };
  const code = typeof entry.code === 'string' && /^\d{3}$/.test(entry.code) ? Number(entry.code) : entry.code;
  return Number.isSafeInteger(code) && typeof entry.body === 'string' ? { code: code as number, body: entry.body } : undefined;
}

const unzipAsync = promisify(unzip);

/**
 * The body as text, inflated when the Graph API compressed it. Inflating stops at the same size cap
 * as the compressed body had (maxOutputLength): a small compressed bomb is refused, not inflated.
 */
async function decoded(raw: Buffer, encoding: string | string[] | undefined, maxBytes: number): Promise<string> {
  const coding = String(encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return raw.toString('utf8');
  if (coding !== 'gzip' && coding !== 'deflate') throw new UnsupportedEncoding(coding);
  // unzip reads gzip and zlib-wrapped deflate alike, by their header.
  return (await unzipAsync(raw, { maxOutputLength: maxBytes })).toString('utf8');
}

class UnsupportedEncoding extends Error {
  readonly code = 'UNSUPPORTED_CONTENT_ENCODING';
}

function describeTransportError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'Graph API request timed out';
    const code = (error as { code?: unknown }).code;
    return `Graph API request failed (${typeof code === 'string' ? code : error.name})`;
  }
  return 'Graph API request failed';
}
