import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { ErrorCode } from '../core/errors.js';
import { HttpError } from './respond.js';

/** Splits a request target into its path and its query string (without `?`). */
export function splitUrl(url: string | undefined): { path: string; search: string } {
  const [path = '/', search = ''] = (url ?? '/').split('?', 2);
  return { path, search };
}

export function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * The raw request body; HTTP 413 when it is larger than `limit` bytes. An oversized body is
 * drained, not read into memory, so that the 413 still reaches the client.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `Request body larger than ${limit} bytes.`, ErrorCode.BAD_REQUEST, { connection: 'close' });
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

export function parseBody(raw: string, headers: HeaderMap): unknown {
  const type = headers.get('content-type') ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(type)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.', ErrorCode.BAD_REQUEST);
  }
}

/**
 * HTTP 413 when the operation's query text is longer than `limit` UTF-8 bytes, before Apollo parses
 * or caches it: comments are no tokens, so MAX_TOKENS alone lets a padded document through whole.
 */
export function checkQueryBytes(body: unknown, search: string, limit: number): void {
  const query =
    body === undefined ? new URLSearchParams(search).get('query') : typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : undefined;
  if (typeof query === 'string' && Buffer.byteLength(query, 'utf8') > limit) {
    throw new HttpError(413, `Query text larger than ${limit} bytes (MAX_QUERY_BYTES).`, ErrorCode.BAD_REQUEST);
  }
}
