import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from './errors.js';

/** A refusal answered at the HTTP layer, with a GraphQL-shaped error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** `extensions.code` in the body, when the refusal has one. */
    readonly code?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

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

export async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  res.statusCode = response.status ?? 200;
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('cache-control', 'no-store');
  for (const [name, header] of Object.entries(headers)) res.setHeader(name, header);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(value));
}

/** Answers an HttpError as itself and anything else as a masked 500 (the caller logs it). */
export function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof HttpError ? error : new HttpError(500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
  const body = { errors: [{ message: known.message, ...(known.code ? { extensions: { code: known.code } } : {}) }] };
  sendJson(res, known.status, body, known.headers);
}
