import { configuredPages, type GatewayConfig, type PageConfig } from '../config.js';
import { badUserInput } from '../core/errors.js';
import type { PageRuntime } from './runtime.js';

/**
 * The Pages the gateway serves. PSIDs are page-scoped, so everything learnt from the Graph API is
 * kept per Page: each has its own chain (chain/index.ts).
 */
export class Pages {
  readonly all: readonly PageRuntime[];
  /** The Page of `user`/`users` without a pageId: PAGE_ID's, or the only one. */
  readonly default: PageRuntime | undefined;
  private readonly byId = new Map<string, PageRuntime>();
  private readonly byInstagram = new Map<string, PageRuntime>();

  /** `start` builds one Page's chain (chain/index.ts). */
  constructor(config: GatewayConfig, start: (page: PageConfig) => PageRuntime) {
    this.all = configuredPages(config).map(start);
    if (this.all.length === 0) throw new TypeError('Pages needs at least one configured Page');
    for (const page of this.all) {
      if (page.id) this.byId.set(page.id, page);
      if (page.instagramAccountId) this.byInstagram.set(page.instagramAccountId, page);
    }
    this.default = config.pageAccessToken ? this.all[0] : this.all.length === 1 ? this.all[0] : undefined;
  }

  /** The Page an operation names, or the default one; BAD_USER_INPUT for an unknown Page. */
  get(pageId: string | null | undefined): PageRuntime {
    if (pageId === null || pageId === undefined) {
      if (this.default) return this.default;
      throw badUserInput('pageId is required: several Pages are configured.', { argument: 'pageId' });
    }
    const page = this.byId.get(pageId);
    if (!page) throw badUserInput('Unknown pageId: the gateway is not configured for this Page.', { argument: 'pageId' });
    return page;
  }

  /** The Page with this id, if the gateway serves it (webhook entries are routed by it). */
  find(pageId: string): PageRuntime | undefined {
    return this.byId.get(pageId);
  }

  /** The Page linked to this Instagram professional account (Instagram webhook entries are routed by it). */
  findByInstagram(instagramAccountId: string): PageRuntime | undefined {
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
