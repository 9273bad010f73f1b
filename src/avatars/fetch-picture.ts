import { createHash } from 'node:crypto';
import { Agent, errors, request } from 'undici';

/** What the CDN gave for one picture URL. */
export type PictureFetch =
  | { readonly kind: 'image'; readonly bytes: Buffer; readonly contentType: string; readonly etag: string }
  /** 403 (URL signature expired) or 404: the URL is worth no retry, a new one is. */
  | { readonly kind: 'gone'; readonly status: number }
  /** Anything else: timeout, refused connection, 5xx, not an image, too large. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface PictureFetcherOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

// SVG is an image/* that runs script when opened on the gateway's origin: never served.
const IMAGE = /^image\/(png|jpeg|gif|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)$/;

/**
 * Fetches picture bytes from a CDN URL the caller has checked against the allowlist. undici's
 * `request` follows no redirect (a redirect could leave the allowlist); the agent refuses bodies
 * past `maxBytes` while they stream, and the whole exchange has `timeoutMs`.
 */
export class PictureFetcher {
  private readonly agent: Agent;

  constructor(private readonly options: PictureFetcherOptions) {
    this.agent = new Agent({
      maxResponseSize: options.maxBytes,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 16,
      keepAliveTimeout: 10_000,
    });
  }

  async fetch(url: URL): Promise<PictureFetch> {
    try {
      const response = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers: { accept: 'image/webp,image/png,image/jpeg,image/*;q=0.8' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const { statusCode, headers, body } = response;
      const contentType = String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (statusCode === 403 || statusCode === 404 || statusCode === 410) {
        await body.dump();
        return { kind: 'gone', status: statusCode };
      }
      if (statusCode !== 200) {
        await body.dump();
        return { kind: 'failed', reason: `status ${statusCode}` };
      }
      if (!IMAGE.test(contentType)) {
        await body.dump();
        return { kind: 'failed', reason: 'not an image' };
      }
      const bytes = Buffer.from(await body.arrayBuffer());
      if (bytes.length === 0) return { kind: 'failed', reason: 'empty body' };
      return { kind: 'image', bytes, contentType, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
    } catch (error) {
      if (error instanceof errors.ResponseExceededMaxSizeError) return { kind: 'failed', reason: 'too large' };
      return { kind: 'failed', reason: error instanceof Error ? error.name : 'error' };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
