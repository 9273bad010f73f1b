import autocannon from 'autocannon';
import { looksGood } from './scenarios.js';

export interface LoadOptions {
  /** GraphQL endpoint on 127.0.0.1. */
  readonly url: string;
  /** Request bodies, used round-robin (a scenario's). */
  readonly bodies: readonly string[];
  readonly seconds: number;
  readonly connections: number;
  /** Extra request headers (a caller's key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sees every bad answer (status and body), e.g. to tell expected failures from others. */
  readonly onBadAnswer?: (status: number, body: string) => void;
}

export interface LoadResult {
  /** Completed operations per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Operations sent (completed or still in flight at the end). */
  readonly sent: number;
  readonly completed: number;
  /** Non-2xx answers, answers with GraphQL errors or without data, socket errors and timeouts. */
  readonly errors: number;
  /** Of those, socket errors and timeouts: no answer at all. */
  readonly unanswered: number;
  /** The first bad answer (status and the start of its body), to say what the errors were. */
  readonly firstError?: string;
  readonly seconds: number;
}

/**
 * Closed-loop load with autocannon: `connections` keep-alive connections, each sending the next
 * operation as soon as the previous one is answered, for `seconds`. Bodies rotate through the
 * scenario's list, so PSIDs rotate over its users. Every answer is checked cheaply (looksGood).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { bodies } = options;
  let next = 0;
  let bad = 0;
  let firstError: string | undefined;
  const url = new URL(options.url);
  const result = await autocannon({
    url: url.origin,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    // autocannon checks for the end of the run once per sample: sample often, so short runs end on time.
    sampleInt: 100,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
        onResponse: (status, body) => {
          if (looksGood(status, body)) return;
          bad += 1;
          options.onBadAnswer?.(status, body);
          firstError ??= `HTTP ${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const completed = result.requests.total;
  const seconds = result.duration;
  return {
    rps: completed / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    sent: result.requests.sent,
    completed,
    errors: bad + result.errors + result.timeouts,
    unanswered: result.errors + result.timeouts,
    ...(firstError !== undefined ? { firstError } : result.timeouts ? { firstError: `${result.timeouts} timeouts` } : {}),
    seconds,
  };
}
