import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_PAGE_ID, DEMO_PAGE_TOKEN, demoInstagramUsers, demoUsers, type InstagramRecord, type UserRecord } from './data.js';
import { envelope, GraphErrors, type EmulatedError } from './graph-errors.js';
import { PICTURE_PATH, PictureCdn } from './pictures.js';
import { isVersionSegment, olderThan, readJson } from './versions.js';

export type Permission = 'pages_user_locale' | 'pages_user_timezone' | 'pages_user_gender' | 'instagram_basic' | 'instagram_manage_messages';
const ALL_PERMISSIONS: readonly Permission[] = ['pages_user_locale', 'pages_user_timezone', 'pages_user_gender', 'instagram_basic', 'instagram_manage_messages'];
/** What reading an IGSID's profile takes, checked in this order. */
const INSTAGRAM_PERMISSIONS: readonly Permission[] = ['instagram_basic', 'instagram_manage_messages'];

const FIELD_PERMISSION: Readonly<Record<string, Permission>> = {
  locale: 'pages_user_locale',
  timezone: 'pages_user_timezone',
  gender: 'pages_user_gender',
};
const CURRENT_FIELDS = new Set(['id', 'name', 'first_name', 'last_name', 'profile_pic', 'locale', 'timezone', 'gender']);
const REMOVED_IN_V3_2 = new Set(['is_payment_enabled', 'last_ad_referral']);
const LATEST_VERSION = 'v26.0';
/** Fields of an IGSID node, with the first version that has each. */
const INSTAGRAM_FIELD_SINCE: Readonly<Record<string, string>> = {
  id: 'v1.0',
  name: 'v1.0',
  profile_pic: 'v1.0',
  is_verified_user: 'v12.0',
  follower_count: 'v12.0',
  is_user_follow_business: 'v12.0',
  is_business_follow_user: 'v12.0',
  username: 'v14.0',
};

const LOOKASIDE = 'https://platform-lookaside.fbsbx.com/platform/profilepic/';

export interface EmulatedPage {
  readonly id: string;
  readonly token: string;
  readonly users: Map<string, UserRecord>;
  /** The Instagram professional account linked to the Page, and its users by IGSID. */
  readonly instagramAccountId?: string;
  readonly instagramUsers?: Map<string, InstagramRecord>;
}

export interface EmulatorOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default the demo Page with its demo users */
  readonly pages?: readonly EmulatedPage[];
  /** When set, "Require App Secret" is on: every call needs a matching appsecret_proof. */
  readonly appSecret?: string;
  /** Permissions the app holds beyond profile access. @default all of them */
  readonly permissions?: readonly Permission[];
  /** Added to every answer. @default 0 */
  readonly latencyMs?: number;
  /** Versions older than this are served as this one, as the real API does. @default v21.0 */
  readonly oldestLiveVersion?: string;
  /** Serve expired versions as asked (fields removed in v3.2 then exist). For tests. @default false */
  readonly honorExpiredVersions?: boolean;
  /** Calls per rolling window that make X-App-Usage reach 100%. @default 100000 */
  readonly appCallBudget?: number;
  /**
   * Calls per rolling window that make a Page's Messenger usage reach 100%.
   * @default 200 per user of the Page, the Messenger business-use-case limit
   */
  readonly pageCallBudget?: number;
  /** The app, for debug_token: its app access token is `<id>|<secret>`. */
  readonly app?: { readonly id: string; readonly secret: string };
  /**
   * Serve profile pictures: lookaside `profile_pic` URLs are answered as URLs of the emulator's own
   * CDN (PNGs it draws, no network), which expire like the real ones. @default false
   */
  readonly servePictures?: boolean;
  /** The emulator's time (picture URLs' `ext` and the CDN's expiry check), in ms since the epoch. @default Date.now */
  readonly clock?: () => number;
}

/** What debug_token says of a token (Unix seconds; 0 = never). */
export interface EmulatedTokenInfo {
  readonly expiresAt: number;
  readonly dataAccessExpiresAt: number;
  readonly scopes: readonly string[];
}

/** A fault applied to the next `times` HTTP requests (after recording them). */
export interface Fault {
  /** @default 1 */
  readonly times?: number;
  readonly delayMs?: number;
  /** Hold the answer until this settles: a gate the test releases (after `delayMs`). */
  readonly until?: Promise<unknown>;
  /** Destroy the connection without answering. */
  readonly reset?: boolean;
  /** Answer with this status and raw body instead of the real answer. */
  readonly status?: number;
  readonly rawBody?: string;
  /** Answer the whole request with this Graph error. */
  readonly error?: EmulatedError;
  /** Batch entries that come back null: all of them (true) or those of these PSIDs. */
  readonly nullEntries?: true | readonly string[];
  /** Extra response headers, e.g. usage headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Batch entries as some real answers shape them: `code` as a string ("200"), or an error
   * envelope with code 200.
   */
  readonly entryShape?: 'string-code' | 'error-with-200';
  /** Answer with a gzip body that inflates to this many bytes (compressed, a few KiB). */
  readonly gzipBomb?: number;
}

export interface RecordedSubRequest {
  readonly method: string;
  readonly relativeUrl: string;
  readonly id: string;
  /** The `fields` parameter, split; undefined when absent. */
  readonly fields: readonly string[] | undefined;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path including any query string, exactly as received. */
  readonly url: string;
  /** Query and body parameters, except `batch`. */
  readonly params: Readonly<Record<string, string>>;
  readonly batch: readonly RecordedSubRequest[] | undefined;
  /** The Accept-Encoding header, when sent. */
  readonly acceptEncoding: string | undefined;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A Graph API stand-in for the User Profile endpoint and the batch endpoint, faithful to
 * GRAPH_API.md: error envelopes, codes, subcodes and statuses, the 50-request batch limit,
 * per-field permissions, fields removed in v3.2, usage headers and appsecret_proof checks.
 * Records every request it receives; faults can be injected for tests.
 */
export class GraphEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Every picture request the CDN received (path and query), in order; apart from `requests`. */
  readonly pictureRequests: string[] = [];
  private readonly cdn = new PictureCdn(Math.random().toString(36));
  private pictureGate: Promise<unknown> | undefined;
  private readonly pages: EmulatedPage[];
  private permissions: Set<Permission>;
  private readonly faults: { fault: Fault; left: number }[] = [];
  private readonly waiters: { readonly count: number; readonly resolve: () => void }[] = [];
  private appCalls = 0;
  private readonly pageCalls = new Map<string, number>();
  /** Tokens beyond each Page's own (a rotation), by token. */
  private readonly extraTokens = new Map<string, EmulatedPage>();
  /** Tokens the Graph API now refuses, with the 190 subcode it gives. */
  private readonly refused = new Map<string, 458 | 460 | 463>();
  private readonly tokenInfo = new Map<string, EmulatedTokenInfo>();
  private server: Server | undefined;
  url = '';

  private constructor(private readonly options: EmulatorOptions) {
    this.pages = [
      ...(options.pages ?? [
        { id: DEMO_PAGE_ID, token: DEMO_PAGE_TOKEN, users: demoUsers(), instagramAccountId: DEMO_INSTAGRAM_ACCOUNT_ID, instagramUsers: demoInstagramUsers() },
      ]),
    ];
    this.permissions = new Set(options.permissions ?? ALL_PERMISSIONS);
  }

  static async start(options: EmulatorOptions = {}): Promise<GraphEmulator> {
    const emulator = new GraphEmulator(options);
    const server = createServer((req, res) => {
      emulator.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    emulator.server = server;
    emulator.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return emulator;
  }

  /** Every batch sub-request received so far, in order. */
  get subRequests(): RecordedSubRequest[] {
    return this.requests.flatMap((r) => r.batch ?? []);
  }

  /** Resolves once `count` HTTP requests have been received (recorded before any fault applies). */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  injectFault(fault: Fault): void {
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  setUser(psid: string, record: UserRecord, pageId = this.pages[0]!.id): void {
    const page = this.pages.find((p) => p.id === pageId);
    if (!page) throw new TypeError(`Unknown emulated page ${pageId}`);
    page.users.set(psid, record);
  }

  /** From now on the token is refused with 190 and this subcode (458 app removed, 460 password changed, 463 expired). */
  refuseToken(token: string, subcode: 458 | 460 | 463): void {
    this.refused.set(token, subcode);
  }

  /** A new token for a Page (a rotation); the Page's other tokens stay valid unless refused. */
  addToken(token: string, pageId = this.pages[0]!.id): void {
    const page = this.pages.find((p) => p.id === pageId);
    if (!page) throw new TypeError(`Unknown emulated page ${pageId}`);
    this.extraTokens.set(token, page);
    this.refused.delete(token);
  }

  /** What debug_token answers for the token. @default never expires, data access in 90 days, the profile permissions */
  setTokenInfo(token: string, info: EmulatedTokenInfo): void {
    this.tokenInfo.set(token, info);
  }

  setInstagramUser(igsid: string, record: InstagramRecord, pageId = this.pages[0]!.id): void {
    const page = this.pages.find((p) => p.id === pageId);
    if (!page?.instagramUsers) throw new TypeError(`Emulated page ${pageId} has no Instagram account`);
    page.instagramUsers.set(igsid, record);
  }

  /** Holds every picture answer until `gate` settles (undefined: answer at once). */
  holdPictures(gate: Promise<unknown> | undefined): void {
    this.pictureGate = gate;
  }

  setPermissions(permissions: readonly Permission[]): void {
    this.permissions = new Set(permissions);
  }

  /** Forgets recorded requests, pending faults, usage counts and token changes. */
  reset(): void {
    this.requests.length = 0;
    this.refused.clear();
    this.extraTokens.clear();
    this.tokenInfo.clear();
    this.pictureRequests.length = 0;
    this.faults.length = 0;
    this.appCalls = 0;
    this.pageCalls.clear();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private nextFault(): Fault | undefined {
    const head = this.faults[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.faults.shift();
    return head.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) return this.control(url.pathname, req.method ?? 'GET', raw, res);
    if (this.options.servePictures && url.pathname === PICTURE_PATH && req.method === 'GET') return this.picture(url, req.url ?? '/', res);

    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    else if (type.startsWith('application/json') && raw) Object.assign(params, stringValues(readJson(raw)));

    const batch = params.batch !== undefined ? readJson(params.batch) : undefined;
    const { batch: _omit, ...recordedParams } = params;
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      params: recordedParams,
      batch: Array.isArray(batch) ? batch.map(describeSubRequest) : undefined,
      acceptEncoding: req.headers['accept-encoding'],
    });

    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const fault = this.nextFault();
    const delay = (fault?.delayMs ?? 0) + (this.options.latencyMs ?? 0);
    if (delay > 0) await sleep(delay);
    if (fault?.until) await fault.until;
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    const headers = { ...fault?.headers };
    if (fault?.gzipBomb !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'gzip', ...headers });
      res.end(gzipSync(Buffer.alloc(fault.gzipBomb, 0x20)));
      return;
    }
    if (fault?.status !== undefined || fault?.rawBody !== undefined) {
      res.writeHead(fault.status ?? 200, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(fault.rawBody ?? '');
      return;
    }
    const answer = fault?.error ? errorAnswer(fault.error) : this.route(req.method ?? 'GET', url.pathname, params, batch, fault);
    this.send(res, answer, params.access_token, headers, String(req.headers['accept-encoding'] ?? ''));
  }

  private async picture(url: URL, raw: string, res: ServerResponse): Promise<void> {
    this.pictureRequests.push(raw);
    if (this.pictureGate) await this.pictureGate;
    const known = (psid: string) => this.pages.some((page) => page.users.get(psid)?.kind === 'profile');
    const answer = this.cdn.answer(url.searchParams, this.now(), known);
    res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': answer.body.length });
    res.end(answer.body);
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private route(method: string, pathname: string, params: Record<string, string>, batch: unknown, fault: Fault | undefined): Answer {
    const segments = pathname.split('/').filter(Boolean);
    let version = LATEST_VERSION;
    if (segments[0] && isVersionSegment(segments[0])) version = segments.shift()!;
    else if (segments[0]?.startsWith('v')) return errorAnswer(GraphErrors.unknownPath(pathname));

    const auth = this.authenticate(params);
    if ('status' in auth) return auth;
    if ('app' in auth) {
      if (method === 'POST' && segments.length === 0) return this.appBatch(batch);
      // The documented form, which puts the inspected token in the URL; the gateway uses the batch.
      if (method === 'GET' && segments[0] === 'debug_token' && segments.length === 1 && params.input_token) {
        return { status: 200, body: { data: this.debugToken(params.input_token) } };
      }
      return errorAnswer(GraphErrors.unknownPath(pathname));
    }

    if (method === 'POST' && segments.length === 0) return this.batch(auth.page, version, params, batch, fault);
    if (method === 'GET' && segments.length === 0 && params.ids !== undefined) return errorAnswer(GraphErrors.unsupportedIds());
    if (method === 'GET' && segments.length === 1) {
      this.count(auth.page, 1);
      return this.lookup(auth.page, segments[0]!, params.fields, version, false);
    }
    return errorAnswer(GraphErrors.unknownPath(pathname));
  }

  private authenticate(params: Record<string, string>): { page: EmulatedPage } | { app: true } | Answer {
    const token = params.access_token;
    if (!token) return errorAnswer(GraphErrors.missingToken());
    const app = this.options.app;
    if (app && token === `${app.id}|${app.secret}`) return { app: true };
    const refused = this.refused.get(token);
    if (refused) return errorAnswer(GraphErrors.tokenRefused(refused));
    const page = this.pageOf(token);
    if (!page) return errorAnswer(GraphErrors.invalidToken());
    const secret = this.options.appSecret;
    if (secret) {
      const proof = params.appsecret_proof;
      if (!proof) return errorAnswer(GraphErrors.missingProof());
      const expected = Buffer.from(createHmac('sha256', secret).update(token).digest('hex'));
      const given = Buffer.from(proof);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return errorAnswer(GraphErrors.invalidProof());
    }
    return { page };
  }

  private pageOf(token: string | undefined): EmulatedPage | undefined {
    return token === undefined ? undefined : (this.pages.find((p) => p.token === token) ?? this.extraTokens.get(token));
  }

  /** The app access token's batch: debug_token sub-requests only. */
  private appBatch(batch: unknown): Answer {
    if (!Array.isArray(batch)) return errorAnswer(GraphErrors.badBatch('The parameter batch must be a JSON array'));
    const body = batch.map((raw: unknown) => {
      const sub = describeSubRequest(raw);
      const input = new URLSearchParams(sub.relativeUrl.split('?', 2)[1] ?? '').get('input_token');
      if (sub.id !== 'debug_token' || !input) return { code: 400, body: JSON.stringify(envelope(GraphErrors.unknownPath(sub.relativeUrl))) };
      return { code: 200, body: JSON.stringify({ data: this.debugToken(input) }) };
    });
    return { status: 200, body };
  }

  private debugToken(token: string): Record<string, unknown> {
    const page = this.pageOf(token);
    const refused = this.refused.get(token);
    const info = this.tokenInfo.get(token) ?? {
      expiresAt: 0,
      dataAccessExpiresAt: Math.floor(Date.now() / 1000) + 90 * 24 * 3600,
      scopes: ['pages_messaging', 'pages_show_list', ...this.permissions],
    };
    if (!page || refused) {
      const error = refused ? GraphErrors.tokenRefused(refused).error : GraphErrors.invalidToken().error;
      return { is_valid: false, scopes: [], error: { code: error.code, subcode: error.error_subcode, message: error.message } };
    }
    return {
      app_id: this.options.app?.id,
      type: 'PAGE',
      profile_id: page.id,
      is_valid: true,
      expires_at: info.expiresAt,
      data_access_expires_at: info.dataAccessExpiresAt,
      scopes: info.scopes,
    };
  }

  private batch(page: EmulatedPage, version: string, params: Record<string, string>, batch: unknown, fault: Fault | undefined): Answer {
    if (!Array.isArray(batch)) return errorAnswer(GraphErrors.badBatch('The parameter batch must be a JSON array'));
    if (batch.length === 0) return errorAnswer(GraphErrors.badBatch('The parameter batch must not be empty'));
    if (batch.length > 50) return errorAnswer(GraphErrors.tooManyInBatch());
    this.count(page, batch.length);
    const withHeaders = params.include_headers !== 'false';
    const body = batch.map((raw: unknown) => {
      const sub = describeSubRequest(raw);
      if (fault?.nullEntries === true || (Array.isArray(fault?.nullEntries) && fault.nullEntries.includes(sub.id))) return null;
      const answer =
        sub.method !== 'GET'
          ? errorAnswer(GraphErrors.badBatch(`Unsupported method ${sub.method} in batch`))
          : this.lookup(page, sub.id, sub.fields?.join(','), version, true);
      const failed = answer.status !== 200;
      const code = fault?.entryShape === 'string-code' ? String(answer.status) : fault?.entryShape === 'error-with-200' && failed ? 200 : answer.status;
      return {
        code,
        ...(withHeaders ? { headers: [{ name: 'Content-Type', value: 'text/javascript; charset=UTF-8' }] } : {}),
        body: JSON.stringify(answer.body),
      };
    });
    return { status: 200, body };
  }

  private lookup(page: EmulatedPage, id: string, fieldsParam: string | undefined, version: string, inBatch: boolean): Answer {
    const served = this.servedVersion(version);
    const fields = fieldsParam === undefined ? ['name', 'id'] : fieldsParam.split(',').map((f) => f.trim()).filter(Boolean);
    const instagram = page.instagramUsers?.get(id);
    if (instagram) return this.instagramLookup(instagram, id, fields, served);
    for (const field of fields) {
      if (!CURRENT_FIELDS.has(field) && !(REMOVED_IN_V3_2.has(field) && olderThan(served, 'v3.2'))) {
        return errorAnswer(GraphErrors.nonexistingField(field));
      }
    }
    if (fields.some((f) => FIELD_PERMISSION[f] && !this.permissions.has(FIELD_PERMISSION[f]))) {
      // Permission errors inside a batch have been seen with HTTP 403.
      return errorAnswer(GraphErrors.insufficientPermission(inBatch ? 403 : 400));
    }
    const record = page.users.get(id);
    if (!record) return errorAnswer(GraphErrors.objectNotFound(id));
    switch (record.kind) {
      case 'unauthorized':
        return { status: 200, body: record.idOnly ? { id } : {} };
      case 'error':
        return errorAnswer(record.error());
      case 'profile': {
        const p = record.profile;
        const all: Record<string, unknown> = { ...p, name: `${p.first_name} ${p.last_name}`, id };
        if (this.options.servePictures && p.profile_pic.startsWith(LOOKASIDE)) all.profile_pic = this.cdn.url(this.url, id, this.now());
        const body: Record<string, unknown> = {};
        for (const field of fields) if (all[field] !== undefined) body[field] = all[field];
        body.id = id;
        return { status: 200, body };
      }
    }
  }

  /** An IGSID node: its own fields and version history, Instagram's permissions, consent and blocks. */
  private instagramLookup(record: InstagramRecord, id: string, fields: readonly string[], served: string): Answer {
    for (const field of fields) {
      const since = INSTAGRAM_FIELD_SINCE[field];
      if (since === undefined || olderThan(served, since)) {
        return errorAnswer(GraphErrors.nonexistingField(field, 'InstagramUser'));
      }
    }
    const missing = INSTAGRAM_PERMISSIONS.find((permission) => !this.permissions.has(permission));
    if (missing) return errorAnswer(GraphErrors.instagramPermission(missing));
    switch (record.kind) {
      case 'no-consent':
        return errorAnswer(GraphErrors.consentRequired());
      case 'deleted':
        return errorAnswer(GraphErrors.noMatchingInstagramUser());
      case 'blocked':
        return { status: 200, body: { id } };
      case 'profile': {
        const all: Record<string, unknown> = { ...record.profile, id };
        const body: Record<string, unknown> = {};
        for (const field of fields) body[field] = all[field];
        body.id = id;
        return { status: 200, body };
      }
    }
  }

  private servedVersion(version: string): string {
    const oldest = this.options.oldestLiveVersion ?? 'v21.0';
    return !this.options.honorExpiredVersions && olderThan(version, oldest) ? oldest : version;
  }

  private count(page: EmulatedPage, calls: number): void {
    this.appCalls += calls;
    this.pageCalls.set(page.id, (this.pageCalls.get(page.id) ?? 0) + calls);
  }

  private usageHeaders(token: string | undefined): Record<string, string> {
    // Not capped at 100: real answers report more (855 % seen).
    const percent = (used: number, budget: number) => Math.floor((used / Math.max(1, budget)) * 100);
    const app = percent(this.appCalls, this.options.appCallBudget ?? 100_000);
    const headers: Record<string, string> = {
      'x-app-usage': JSON.stringify({ call_count: app, total_cputime: Math.floor(app / 2), total_time: Math.floor(app / 2) }),
    };
    const page = this.pageOf(token);
    if (page) {
      // Messenger BUC: 200 calls per engaged user per rolling 24 h.
      const buc = percent(this.pageCalls.get(page.id) ?? 0, this.options.pageCallBudget ?? 200 * Math.max(1, page.users.size));
      headers['x-business-use-case-usage'] = JSON.stringify({
        [page.id]: [
          { type: 'messenger', call_count: buc, total_cputime: Math.floor(buc / 2), total_time: Math.floor(buc / 2), estimated_time_to_regain_access: 0 },
        ],
      });
    }
    return headers;
  }

  private send(res: ServerResponse, answer: Answer, token: string | undefined, extra: Record<string, string>, acceptEncoding: string): void {
    const body = JSON.stringify(answer.body);
    // Real answers carry Vary: Accept-Encoding and honour gzip.
    const gzip = /\bgzip\b/i.test(acceptEncoding);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=UTF-8',
      vary: 'Accept-Encoding',
      'x-fb-trace-id': Math.random().toString(36).slice(2, 13),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...this.usageHeaders(token),
      ...extra,
    });
    res.end(gzip ? gzipSync(body) : body);
  }

  /** HTTP control surface for an emulator running as its own process (benchmarks, manual tests). */
  private control(pathname: string, method: string, raw: string, res: ServerResponse): void {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (pathname === '/__emulator/stats' && method === 'GET') {
      return json(200, { requests: this.requests.length, subRequests: this.subRequests.length });
    }
    if (pathname === '/__emulator/requests' && method === 'GET') return json(200, this.requests);
    if (pathname === '/__emulator/reset' && method === 'POST') {
      this.reset();
      return json(200, { ok: true });
    }
    if (pathname === '/__emulator/faults' && method === 'POST') {
      const fault = readJson(raw);
      if (typeof fault !== 'object' || fault === null) return json(400, { error: 'expected a JSON fault' });
      this.injectFault(fault);
      return json(200, { ok: true });
    }
    json(404, { error: 'unknown control path' });
  }
}

function errorAnswer(error: EmulatedError): Answer {
  return { status: error.status, body: envelope(error) };
}

function describeSubRequest(raw: unknown): RecordedSubRequest {
  const sub = (typeof raw === 'object' && raw !== null ? raw : {}) as { method?: unknown; relative_url?: unknown };
  const relativeUrl = typeof sub.relative_url === 'string' ? sub.relative_url : '';
  const [path = '', query = ''] = relativeUrl.split('?', 2);
  const id = path.replace(/^\/?(v\d+\.\d+\/)?/, '');
  const fields = new URLSearchParams(query).get('fields');
  return {
    method: typeof sub.method === 'string' ? sub.method.toUpperCase() : 'GET',
    relativeUrl,
    id,
    fields: fields === null ? undefined : fields.split(','),
  };
}

function stringValues(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
