import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DEMO_PAGE_ID, DEMO_PAGE_TOKEN } from '../src/demo/emulator/data.js';
import { GraphEmulator, type EmulatorOptions } from '../src/demo/emulator/server.js';
import { createLogger } from '../src/observability/logger.js';
import { startGateway, type Gateway } from '../src/gateway.js';

export { DEMO_PAGE_TOKEN };
export { DEMO_PSIDS, generatedPsid } from '../src/demo/emulator/data.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  /** Raw response text, for scanning for secrets. */
  text: string;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
    extensions?: Record<string, any>;
  };
}

/** A gateway started by the tests, pointed at an emulator. */
export interface TestGateway {
  gateway: Gateway;
  /** POSTs a GraphQL operation to the gateway over HTTP. */
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Every log line the gateway wrote, parsed (none unless `env.LOG_LEVEL` says so). */
  logs: Record<string, any>[];
  close(): Promise<void>;
}

export interface Stack extends TestGateway {
  emulator: GraphEmulator;
}

export interface GatewayTestOptions {
  /**
   * Gateway environment on top of the defaults (token, emulator URL, port 0, silent logs, and
   * PROFILE_CACHE_TTL=0 so that every operation reaches the emulator; cache suites turn it on).
   */
  env?: Record<string, string | undefined>;
  /** The gateway's clock (cache, throttle, breaker, capability memory), in ms since the epoch. @default Date.now */
  clock?: () => number;
  /** Where the gateway's log lines go (see captureLogs) instead of `logs`; set LOG_LEVEL in env to see any. */
  logs?: CapturedLogs;
}

export interface CapturedLogs {
  readonly stream: Writable;
  /** Every line written so far, raw. */
  readonly raw: string[];
  /** Every line written so far, parsed. */
  lines(): Record<string, any>[];
}

/** A log destination that keeps every line, for scanning. */
export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, raw, lines: () => raw.map((line) => JSON.parse(line)) };
}

export interface StackOptions extends GatewayTestOptions {
  emulator?: EmulatorOptions;
}

/**
 * Environment that takes the resilience layers out of the way, for suites about something else:
 * no retries, no back-off, a breaker that never opens, nothing remembered. One injected fault is
 * then one failed lookup.
 */
export const WITHOUT_RESILIENCE = { RETRY_MAX: '0', RATE_LIMIT_BACKOFF_MS: '0', BREAKER_THRESHOLD: '10000', CAPABILITY_TTL_MS: '0' };

/** Starts the Graph API emulator and a gateway pointed at it, both on port 0. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await GraphEmulator.start(options.emulator);
  const started = await startGatewayFor(emulator, options);
  return {
    ...started,
    emulator,
    close: async () => {
      await started.close();
      await emulator.close();
    },
  };
}

/**
 * For a describe block: starts a stack before its tests, forgets the emulator's recorded requests
 * and faults before each test, and closes the stack after them. The returned object reads the
 * stack lazily, so it can be used in the tests as if it were the stack.
 */
export function useStack(options: StackOptions = {}): Stack {
  let current: Stack | undefined;
  beforeAll(async () => {
    current = await startStack(options);
  });
  beforeEach(() => current?.emulator.reset());
  afterAll(() => current?.close());
  const get = (): Stack => {
    if (!current) throw new Error('useStack: the stack is started in beforeAll');
    return current;
  };
  return {
    get emulator() {
      return get().emulator;
    },
    get gateway() {
      return get().gateway;
    },
    get logs() {
      return get().logs;
    },
    query: (query, variables, headers) => get().query(query, variables, headers),
    close: () => get().close(),
  };
}

/**
 * For a file whose tests each start a stack of their own on a clock they move: `start` makes a new
 * clock and stack (closed after the test), `clock` moves the current test's clock.
 */
export function useClockedStack(defaults: StackOptions = {}): { readonly start: (options?: StackOptions) => Promise<Stack>; readonly clock: TestClock } {
  let stack: Stack | undefined;
  let current = testClock();
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });
  return {
    start: async (options = {}) => {
      current = testClock();
      stack = await startStack({ ...defaults, ...options, env: { ...defaults.env, ...options.env }, clock: current.now });
      return stack;
    },
    clock: { now: () => current.now(), advance: (seconds) => current.advance(seconds) },
  };
}

/** Starts a gateway on port 0 pointed at a running emulator; several may share one emulator. */
export async function startGatewayFor(emulator: GraphEmulator, options: GatewayTestOptions = {}): Promise<TestGateway> {
  const env = {
    // PAGE_ACCESS_TOKEN_FILE and PAGES replace the demo token.
    PAGE_ACCESS_TOKEN: options.env?.PAGE_ACCESS_TOKEN_FILE || options.env?.PAGES_FILE ? undefined : DEMO_PAGE_TOKEN,
    GRAPH_API_URL: emulator.url,
    PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PROFILE_CACHE_TTL: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: Record<string, any>[] = [];
  const logger = createLogger(config, options.logs?.stream ?? { write: (line: string) => void logs.push(JSON.parse(line)) });
  const gateway = await startGateway(config, logger, { ...(options.clock ? { clock: options.clock } : {}), reloadConfig: () => loadConfig(env) });
  return {
    gateway,
    query: (query, variables, headers) => postGraphQL(gateway.url, { query, variables }, headers),
    logs,
    close: () => gateway.close(),
  };
}

/** URL of another path on the gateway, e.g. gatewayUrl(stack, '/healthz'). */
export function gatewayUrl(stack: { gateway: Gateway }, path: string): string {
  return new URL(path, stack.gateway.url).toString();
}

export async function postGraphQL<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

/** A clock the tests move by hand, so TTLs pass without waiting. */
export interface TestClock {
  readonly now: () => number;
  readonly advance: (seconds: number) => void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => t, advance: (seconds) => void (t += seconds * 1000) };
}

/** The `extensions.code` of each error, keyed by its path joined with dots. */
export function codesByPath(response: GraphQLResponse): Record<string, string> {
  return Object.fromEntries((response.body.errors ?? []).map((e) => [(e.path ?? []).join('.'), e.extensions?.code]));
}

/** A Page webhook delivery of referral events: [psid, timestamp, referral, where] each. */
export function referralDelivery(
  pageId: string,
  events: { psid: string; timestamp: number; referral: Record<string, string>; in?: 'referral' | 'postback' | 'message' }[],
) {
  return {
    object: 'page',
    entry: [
      {
        id: pageId,
        time: Date.now(),
        messaging: events.map((e) => ({
          sender: { id: e.psid },
          recipient: { id: pageId },
          timestamp: e.timestamp,
          ...(e.in === 'postback'
            ? { postback: { title: 'Get Started', payload: 'start', referral: e.referral } }
            : e.in === 'message'
              ? { message: { mid: nextMid(), text: 'hi', referral: e.referral } }
              : { referral: e.referral }),
        })),
      },
    ],
  };
}

// Every message has an id of its own, as Meta's do: the gateway takes a repeated one for a replay.
let mids = 0;
const nextMid = () => `m_${process.pid}_${++mids}`;
const withMid = (body: Record<string, unknown>) => {
  const message = body.message as Record<string, unknown> | undefined;
  return message ? { ...body, message: { mid: nextMid(), ...message } } : body;
};

/** Kinds of messaging event a user makes, and the Page's own echo of a message it sent. */
export type MessagingKind = 'message' | 'postback' | 'referral' | 'optin' | 'echo';

/** A Page webhook delivery of messaging events, one per [psid, kind]. */
export function messagingDelivery(pageId: string, events: { psid: string; kind: MessagingKind }[]) {
  const bodies: Record<MessagingKind, Record<string, unknown>> = {
    message: { message: { text: 'hello' } },
    postback: { postback: { title: 'Get Started', payload: 'start' } },
    referral: { referral: { source: 'SHORTLINK', type: 'OPEN_THREAD', ref: 'hi' } },
    optin: { optin: { type: 'one_time_notif_req', payload: 'news' } },
    echo: { message: { text: 'hi from the Page', is_echo: true, app_id: 1517776481860111 } },
  };
  return {
    object: 'page',
    entry: [
      {
        id: pageId,
        time: Date.now(),
        messaging: events.map((e, i) => ({
          // An echo is the Page's own message, sent to the user.
          sender: { id: e.kind === 'echo' ? pageId : e.psid },
          recipient: { id: e.kind === 'echo' ? e.psid : pageId },
          timestamp: 1_700_000_000_000 + i,
          ...withMid(bodies[e.kind]),
        })),
      },
    ],
  };
}

/** POSTs a webhook delivery signed with `secret` (or with the given signature header). */
export async function deliver(webhookUrl: string, payload: unknown, secret: string, signature?: string) {
  const { signBody } = await import('../src/webhook/signature.js');
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = signature ?? signBody(body, secret);
  if (sig) headers['x-hub-signature-256'] = sig;
  const response = await fetch(webhookUrl, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

/** The value of one series in Prometheus text, e.g. sample(text, 'x_total{code="A"}'). */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** An X-App-Usage header reporting `percent` call count (the other figures low). */
export const appUsage = (percent: number) => ({
  'x-app-usage': JSON.stringify({ call_count: percent, total_cputime: 1, total_time: 1 }),
});

/** An X-Business-Use-Case-Usage header for the demo Page, with a regain time in minutes. */
export const bucUsage = (percent: number, minutes: number) => ({
  'x-business-use-case-usage': JSON.stringify({
    [DEMO_PAGE_ID]: [{ type: 'messenger', call_count: percent, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: minutes }],
  }),
});

/** A promise the test releases, e.g. as a fault's `until`: the emulator holds its answer until then. */
export function gate(): { readonly promise: Promise<void>; readonly release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
