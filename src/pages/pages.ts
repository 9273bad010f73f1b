import { configuredPages, type GatewayConfig, type PageConfig } from '../config.js';
import { badUserInput, forbiddenPage } from '../core/errors.js';
import type { Caller } from '../core/lookup.js';
import type { Page } from './page.js';

/**
 * The Pages the gateway serves. PSIDs are page-scoped, so everything learnt from the Graph API is
 * kept per Page: each has its own chain (chain/index.ts).
 */
export class Pages {
  /** Every Page served now; replaced as a whole when the configuration is reloaded. */
  all: readonly Page[];
  /** The Page of `user`/`users` without a pageId: PAGE_ID's, or the only one. */
  default: Page | undefined;
  private byId = new Map<string, Page>();
  private byInstagram = new Map<string, Page>();

  /** `start` builds one Page's chain (chain/index.ts). */
  constructor(
    config: GatewayConfig,
    private readonly start: (page: PageConfig) => Page,
  ) {
    this.all = configuredPages(config).map(start);
    if (this.all.length === 0) throw new TypeError('Pages needs at least one configured Page');
    this.index(config);
  }

  /**
   * Takes a reloaded configuration: a Page kept (same id, or the PAGE_ACCESS_TOKEN one) keeps its
   * chain and state and takes its new token and secret; a new Page gets a chain; a Page no longer
   * listed stops being served, its connections closed once their exchanges end. Operations that
   * already hold a Page finish on it.
   */
  async update(config: GatewayConfig): Promise<void> {
    const configured = configuredPages(config);
    if (configured.length === 0) throw new TypeError('Pages needs at least one configured Page');
    const before = new Map(this.all.map((page) => [page.id, page] as const));
    const next = configured.map((page) => {
      const kept = before.get(page.id);
      if (!kept) return this.start(page);
      before.delete(page.id);
      kept.rotate(page.token, page.appSecret);
      return kept;
    });
    this.all = next;
    this.index(config);
    await Promise.all([...before.values()].map((page) => page.close()));
  }

  private index(config: GatewayConfig): void {
    this.byId = new Map(this.all.flatMap((page) => (page.id ? [[page.id, page] as const] : [])));
    this.byInstagram = new Map(this.all.flatMap((page) => (page.instagramAccountId ? [[page.instagramAccountId, page] as const] : [])));
    this.default = config.pageAccessToken ? this.all[0] : this.all.length === 1 ? this.all[0] : undefined;
  }

  /** The Page an operation names, or the default one; BAD_USER_INPUT for an unknown Page. */
  get(pageId: string | null | undefined): Page {
    if (pageId === null || pageId === undefined) {
      if (this.default) return this.default;
      throw badUserInput('pageId is required: several Pages are configured.', { argument: 'pageId' });
    }
    const page = this.byId.get(pageId);
    if (!page) throw badUserInput('Unknown pageId: the gateway is not configured for this Page.', { argument: 'pageId' });
    return page;
  }

  /**
   * get() for a caller limited to some Pages: FORBIDDEN for a Page outside its list, checked before
   * whether the Page is configured; without a pageId, its only Page.
   */
  getFor(caller: Caller | undefined, pageId: string | null | undefined): Page {
    const allowed = caller?.pages;
    if (allowed === undefined) return this.get(pageId);
    if (pageId === null || pageId === undefined) {
      if (allowed.length === 0) throw forbiddenPage();
      if (allowed.length > 1) throw badUserInput('pageId is required: this caller may read several Pages.', { argument: 'pageId' });
      return this.get(allowed[0]);
    }
    if (!allowed.includes(pageId)) throw forbiddenPage();
    return this.get(pageId);
  }

  /** The Page with this id, if the gateway serves it (webhook entries are routed by it). */
  find(pageId: string): Page | undefined {
    return this.byId.get(pageId);
  }

  /** The Page linked to this Instagram professional account (Instagram webhook entries are routed by it). */
  findByInstagram(instagramAccountId: string): Page | undefined {
    return this.byInstagram.get(instagramAccountId);
  }

  /** The app secret that signs the Page's webhook deliveries. */
  appSecretOf(pageId: string): string | undefined {
    return this.find(pageId)?.appSecret;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((page) => page.close()));
  }
}
