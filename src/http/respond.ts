import type { ServerResponse } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from '../core/errors.js';

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
